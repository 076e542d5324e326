"""Whole pages: metadata from the page's <head> and the element holding the article."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from lxml import etree

from ..dom import text_of

# Of those, the types that say the page is a story (not a WebPage, which any page is).
STORY_TYPES = re.compile(r"article|blogposting|report|review|recipe|howto", re.I)
ARTICLE_TYPES = re.compile(
    r"article|posting|report|newsarticle|blogposting|webpage|review|recipe|howto", re.I
)


LD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:https?://schema\.org/)?(\w+)"')


def json_ld(document, types: Counter | None = None) -> dict[str, Any]:
    """The page's schema.org article (JSON-LD): headline, authors, dates, image, publisher.

    Pages list several objects (an @graph, a BreadcrumbList, the WebSite); the first whose
    @type names an article wins.  Broken JSON is passed over: it is the page's mistake.
    ``types``, when given, counts every object's @type (the page's kind is read from them)."""
    import json

    found: dict[str, Any] = {}
    for script in document.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        if types is not None:  # every object's, nested ones too: a search, not a parse
            types.update(LD_TYPE.findall(script.text))
        if found:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except ValueError:
            continue
        for item in _ld_items(data):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and ARTICLE_TYPES.search(k) for k in kinds) and (
                item.get("headline") or item.get("author") or item.get("datePublished")
            ):
                found = {
                    "@type": next(k for k in kinds if isinstance(k, str) and ARTICLE_TYPES.search(k)),
                    "title": _ld_text(item.get("headline") or item.get("name")),
                    "author": ", ".join(_ld_names(item.get("author"))) or None,
                    "date": _ld_text(item.get("datePublished")),
                    "updated": _ld_text(item.get("dateModified")),
                    "image": _ld_url(item.get("image")),
                    "site": ", ".join(_ld_names(item.get("publisher"))) or None,
                }
                if types is None:
                    return found
                break
    return found


def _ld_items(data, depth: int = 0):
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"], depth + 1)


def _ld_text(value) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _ld_names(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        name = item.get("name") if isinstance(item, dict) else item
        name = _ld_text(name)
        if name and name not in names:
            names.append(name)
    return names


def _ld_url(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return _ld_text(value)


def read_page_meta(document) -> dict[str, Any]:
    """Title, author, dates, url, image, language, description and generator of a whole page.

    From JSON-LD, OpenGraph and other <meta> tags, <link rel=canonical>, <time datetime>
    and <html lang>, in that order of trust for each field."""
    found: dict[str, Any] = {}
    metas: dict[str, str] = {}
    for tag in document.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = tag.get("content")
        if key and content and key not in metas:
            metas[key] = content.strip()

    def pick(*keys):
        return next((metas[k] for k in keys if metas.get(k)), None)

    ld_types: Counter = Counter()
    ld = json_ld(document, ld_types)
    story = bool(STORY_TYPES.search(ld.get("@type") or ""))
    title = ld.get("title") or pick("og:title", "twitter:title")
    if not title:
        element = document.find(".//title")
        if element is not None and text_of(element).strip():
            title = text_of(element).strip()
    found["title"] = title
    author = pick("author", "byl", "dc.creator", "sailthru.author", "article:author")
    found["author"] = ld.get("author") or (None if (author or "").startswith("http") else author)
    found["date"] = ld.get("date") or pick(
        "article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "dc.date",
        "date",
        "og:published_time",
        "sailthru.date",
    )
    if not found["date"]:
        time = next((t.get("datetime") for t in document.iter("time") if t.get("datetime")), None)
        found["date"] = time
    found["updated"] = ld.get("updated") or pick("article:modified_time", "datemodified", "og:updated_time")
    canonical = next(
        (
            link.get("href")
            for link in document.iter("link")
            if (link.get("rel") or "").lower() == "canonical" and link.get("href")
        ),
        None,
    )
    found["url"] = canonical or pick("og:url")
    found["image"] = pick("og:image", "twitter:image") or ld.get("image")
    found["description"] = pick("description", "og:description")
    found["generator"] = pick("generator")
    keywords = pick("keywords", "news_keywords")
    found["tags"] = [k.strip() for k in re.split(r"[,，]", keywords) if k.strip()] if keywords else []
    found["site"] = pick("og:site_name", "application-name") or ld.get("site")
    found["language"] = _language(document, pick("og:locale", "content-language", "language"))
    found["page_type"] = page_type(document, ld_types, metas.get("og:type"), found["url"], story)
    return {k: v for k, v in found.items() if v}


class PageKind(NamedTuple):
    """One kind of page_types.yaml: its evidence, lowercased, and its whole spec."""

    name: str
    ld_types: frozenset
    og_types: frozenset
    url_words: frozenset
    template_words: frozenset
    not_furniture: frozenset
    spec: dict


@lru_cache(maxsize=1)
def page_kinds() -> dict[str, PageKind]:
    """The kinds of page_types.yaml by name, in the file's order (the first shown wins)."""
    import yaml

    from ..frontmatter import SAFE_LOADER

    data = yaml.load(Path(__file__).with_name("page_types.yaml").read_bytes(), Loader=SAFE_LOADER)

    def lowered(spec: dict, key: str) -> frozenset:
        return frozenset(value.lower() for value in spec.get(key) or ())

    return {
        name: PageKind(
            name,
            lowered(spec, "ld_types"),
            lowered(spec, "og_types"),
            lowered(spec, "url_words"),
            lowered(spec, "template_words"),
            lowered(spec, "not_furniture"),
            spec,
        )
        for name, spec in data["kinds"].items()
    }


def not_furniture(kind: str | None) -> frozenset:
    """The class/id words that name content, not furniture, on this kind of page."""
    found = page_kinds().get(kind)
    return found.not_furniture if found else frozenset()


def kind_says(kind: str | None, key: str) -> Any:
    """What page_types.yaml says of a kind of page under ``key`` (teasers, item_cards)."""
    found = page_kinds().get(kind)
    return found.spec.get(key) if found else None


# Microdata types, read in C: a page's itemtype attributes are few.
ITEMTYPES = etree.XPath("//*/@itemtype", smart_strings=False)


def page_type(
    document, ld_types: Counter, og_type: str | None, url: str | None, story: bool = False
) -> str | None:
    """The page's kind (discussion, product...) from its schema.org types, og:type or
    address words; None for an article (or a page that says nothing).

    ``story``: the page's JSON-LD calls it a story (NewsArticle, BlogPosting...): unless
    its JSON-LD or og:type name another kind, it is one, whatever its microdata or its
    address words say (and neither is read)."""
    counts: Counter = Counter()
    for kind, count in ld_types.items():
        counts[kind.lower()] += count
    og = (og_type or "").strip().lower()
    kinds = page_kinds().values()
    found = _declared(kinds, counts, og)
    if found == "qa" and url and _address_kind(url, kinds) == "discussion":
        return "discussion"  # forum software that calls a thread a QAPage: its replies are content
    if found or story:
        return found
    counts.update(value.rsplit("/", 1)[-1].lower() for item in ITEMTYPES(document) for value in item.split())
    found = _declared(kinds, counts, og) or _template_kind(document, kinds)
    if found:
        return found
    return _address_kind(url, kinds) if url else None


def _template_kind(document, kinds) -> str | None:
    """The first kind whose template words stand among the class names of the page's
    <html> or <body>: forum software names the template a page was made from
    (section-viewtopic, template-thread_view), and a saved page may keep no address."""
    names = set((document.get("class") or "").lower().split())
    body = document.find("body")
    if body is not None:
        names.update((body.get("class") or "").lower().split())
    for kind in kinds:
        if names & kind.template_words:
            return kind.name
    return None


def _address_kind(url: str, kinds) -> str | None:
    """The first kind whose address words the page's address holds.

    Whole segments of the path (a section: /forum/, /t/, /itm/), each also without its
    extension (viewtopic.php), and the names of the query's parameters longer than a
    letter (index.php?topic=5; ?t=30 is as often a time).  Not the words of a slug: an
    article may be about a forum.  A canonical link may be relative (viewtopic.php?id=12).
    """
    parts = urlsplit(url.strip().lower())
    words = {segment for segment in parts.path.split("/") if segment}
    words.update({segment.split(".", 1)[0] for segment in words})
    words.update(
        key for key, _, _ in (pair.partition("=") for pair in parts.query.split("&")) if len(key) > 1
    )
    for kind in kinds:
        if words & kind.url_words:
            return kind.name
    return None


def _declared(kinds, counts: Counter, og: str) -> str | None:
    """The first kind whose schema.org types (declared few enough times) or og:type the page shows."""
    for kind in kinds:
        most = kind.spec.get("ld_at_most")  # a page declaring more lists such things
        if og in kind.og_types or any(0 < counts[t] <= (most or counts[t]) for t in kind.ld_types):
            return kind.name
    return None


def _language(document, declared: str | None) -> str | None:
    """<html lang> (else og:locale), as a BCP 47 tag: zh-CN, en, pt-BR."""
    root = document.getroottree().getroot()
    value = (root.get("lang") or root.get("xml:lang") or declared or "").strip().replace("_", "-")
    return value if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value) else None


def read_base(document) -> str | None:
    """The page's ``<base href>``, which relative URLs in it are relative to."""
    base = next((b.get("href") for b in document.iter("base") if b.get("href")), None)
    return base.strip() if base else None


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
        "page_type": page.get("page_type") or "article",
    }
