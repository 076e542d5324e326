"""Media and math, kept as something every output can show before the clean-up drops them.

Structural clean-up removes <iframe> and <math> (most iframes are ads) and a <video>'s
content is only the "your browser does not support video" fallback.  A reader wants
to know a video was there and where it is, and a formula is article text: so video,
audio and video-player iframes become a link ``Video: title``, or the poster image
when there is no source; math becomes its TeX annotation as code (a display formula
as a ``math`` code block), or its text when it has none.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..dom import new_element, remove, text_of
from ..text import script_text

PLAYER_HOSTS = re.compile(
    r"(^|\.)(youtube(-nocookie)?\.com|youtu\.be|vimeo\.com|bilibili\.com|youku\.com|v\.qq\.com|"
    r"dailymotion\.com|ixigua\.com|ted\.com|twitch\.tv|wistia\.(com|net)|loom\.com)$|^(player|video|embed)\.",
    re.I,
)
TEX = ("application/x-tex", "application/x-latex", "text/x-tex", "tex", "latex")


def keep_embeds(root) -> None:
    """Video, audio and player iframes as links (or poster images); math as TeX or text."""
    for element in list(root.iter("video", "audio", "iframe", "math")):
        if element.getparent() is None:
            continue
        if element.tag == "math":
            _replace(element, _math(element))
        elif element.tag == "iframe":
            src = _web_url(element.get("src") or element.get("data-src"))
            if src and PLAYER_HOSTS.search(urlsplit(src).hostname or ""):
                _replace(element, _link(src, "Video", element.get("title")))
        else:
            _replace(element, _media(element))


def _media(element):
    label = "Video" if element.tag == "video" else "Audio"
    title = element.get("title") or element.get("aria-label")
    src = _web_url(element.get("src")) or next(
        (_web_url(s.get("src")) for s in element.iter("source") if _web_url(s.get("src"))), None
    )
    if src:
        return _link(src, label, title or _file_name(src))
    poster = _web_url(element.get("poster"))
    if poster:
        image = new_element("img")
        image.set("src", poster)
        image.set("alt", f"{label}: {title}" if title else label)
        return image
    return None


MEDIA_MARK = "data-cleanart-media"  # the detector leaves these links alone: they are the media


def _link(src: str, label: str, title: str | None):
    link = new_element("a")
    link.set("href", src)
    link.set(MEDIA_MARK, "")
    link.text = f"{label}: {title.strip()}" if title and title.strip() else label
    return link


def _math(element):
    """A TeX annotation as code (block math as a ``math`` code block), else the formula's text."""
    tex = next(
        (
            text_of(a).strip()
            for a in element.iter("annotation")
            if (a.get("encoding") or "").lower() in TEX and text_of(a).strip()
        ),
        None,
    )
    if tex is None:
        for annotation in list(element.iter("annotation", "annotation-xml")):
            annotation.getparent().remove(annotation)
        for script in list(element.iter("msup", "msub")):
            if len(script) == 2:  # base and script: πr²
                index = script[1]
                index.text = script_text(text_of(index), script.tag == "msup")
                for child in list(index):
                    index.remove(child)
        text = " ".join(text_of(element).split())
        if not text:
            return None
        span = new_element("span")
        span.text = text
        return span
    code = new_element("code")
    code.text = tex
    if element.get("display") != "block":
        return code
    code.set("class", "language-math")
    pre = new_element("pre")
    pre.append(code)
    return pre


def _replace(element, replacement) -> None:
    """Put ``replacement`` (or nothing) where ``element`` was, keeping the text after it."""
    parent = element.getparent()
    if replacement is not None:
        replacement.tail = element.tail
        parent.replace(element, replacement)
        return
    remove(element)  # the fallback text inside goes with it


def _web_url(url: str | None) -> str | None:
    url = (url or "").strip()
    return url if url and not url.lower().startswith(("data:", "blob:", "javascript:")) else None


def _file_name(url: str) -> str | None:
    """``clip.mp4`` from a URL ending in a file name (not ``/api/playUrl``): a title of sorts."""
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return name if "." in name.strip(".") else None
