"""Whole pages: metadata from the page's <head> and the element holding the article."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..dom import text_of


def read_page_meta(document) -> dict[str, Any]:
    """Title, author, date, url, image, description and generator from a page's <head>."""
    found: dict[str, Any] = {}
    metas: dict[str, str] = {}
    for tag in document.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = tag.get("content")
        if key and content and key not in metas:
            metas[key] = content.strip()

    def pick(*keys):
        return next((metas[k] for k in keys if metas.get(k)), None)

    title = pick("og:title", "twitter:title")
    if not title:
        element = document.find(".//title")
        if element is not None and text_of(element).strip():
            title = text_of(element).strip()
    found["title"] = title
    found["author"] = pick("author", "article:author", "byl", "dc.creator", "sailthru.author")
    found["date"] = pick(
        "article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "dc.date",
        "date",
        "og:published_time",
        "sailthru.date",
    )
    found["updated"] = pick("article:modified_time", "datemodified", "og:updated_time")
    canonical = next(
        (
            link.get("href")
            for link in document.iter("link")
            if (link.get("rel") or "").lower() == "canonical" and link.get("href")
        ),
        None,
    )
    found["url"] = canonical or pick("og:url")
    found["image"] = pick("og:image", "twitter:image")
    found["description"] = pick("description", "og:description")
    found["generator"] = pick("generator")
    keywords = pick("keywords", "news_keywords")
    found["tags"] = [k.strip() for k in re.split(r"[,，]", keywords) if k.strip()] if keywords else []
    found["site"] = pick("og:site_name", "application-name")
    return {k: v for k, v in found.items() if v}


def read_base(document) -> str | None:
    """The page's ``<base href>``, which relative URLs in it are relative to."""
    base = next((b.get("href") for b in document.iter("base") if b.get("href")), None)
    return base.strip() if base else None


MAIN_XPATHS = ('.//*[@itemprop="articleBody"]', ".//article", ".//main", './/*[@role="main"]')


def pick_main(body):
    """For a whole page: the element holding the article, when the page marks it."""
    total = len(text_of(body).strip()) or 1
    for xpath in MAIN_XPATHS:
        candidates = body.xpath(xpath)
        if not candidates:
            continue
        best = max(candidates, key=lambda t: len(text_of(t).strip()))
        size = len(text_of(best).strip())
        if size >= 0.25 * total or (len(candidates) == 1 and size >= 500):
            return best  # a short teaser marked <article> is not the story
    return body


def scope_facts(meta: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    hosts = []
    for url in (meta.get("url"), page.get("url")):
        if isinstance(url, str) and "//" in url:
            host = (urlsplit(url).hostname or "").lower()
            if host and host not in hosts:
                hosts.append(host)
    categories = []
    for value in (meta.get("categories") or []) + (meta.get("tags") or []):
        categories.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return {
        "hosts": hosts,
        "author": [a for a in (meta.get("author"), page.get("author")) if a],
        "categories": categories,
        "url": [u for u in (meta.get("url"), page.get("url")) if u],
        "generator": page.get("generator"),
    }
