"""Links: relative URLs made absolute, and footnote references tied to their notes.

Both need what the clean-up removes (``<base>``, ``href="#fn1"`` and element ids), so
they run before it.  A scraped article read anywhere but its site needs absolute
URLs: they are resolved against ``<base href>``, else the page's canonical URL, else
the header's ``url``/``link``.  A footnote reference becomes the mark ``[^1]`` and its
note a paragraph ``[^1]: text`` (Markdown's footnote syntax, and readable as text).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..dom import new_element, remove, text_of, unwrap

URL_ATTRS = (
    ("a", "href"),
    ("img", "src"),
    ("source", "src"),
    ("video", "poster"),
    ("video", "src"),
    ("audio", "src"),
)
SKIP = ("#", "data:", "mailto:", "javascript:", "tel:", "blob:")
NOTE_LABEL = re.compile(r"^\[?([\w-]{1,20})\]?$")
BACKREF = re.compile(r"^[\s↩︎↑^]*$")


def base_url(base_href: str | None, *urls) -> str | None:
    """The first absolute http(s) URL of the page's ``urls``, with ``<base href>`` applied."""
    page = next((u for u in urls if isinstance(u, str) and _is_web(u)), None)
    if base_href:
        joined = urljoin(page or "", base_href.strip())
        if _is_web(joined):
            return joined
    return page


def _is_web(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def absolutise(root, base: str | None) -> None:
    """Relative links and image sources resolved against ``base`` (nothing without one)."""
    if not base:
        return
    for tag, attr in URL_ATTRS:
        for element in root.iter(tag):
            value = element.get(attr)
            if value and not value.strip().lower().startswith(SKIP):
                element.set(attr, urljoin(base, value.strip()))


# Links to a place on the same page, found through their href attributes (a predicate
# on every <a> costs libxml2 more).
LOCAL_LINKS = etree.XPath(".//a/@href[starts-with(., '#')]/..")


def mark_footnotes(root) -> None:
    """``<sup><a href="#fn1">1</a></sup>`` → ``[^1]``; the note (a list item) → ``[^1]: text``."""
    refs = [ref for ref in LOCAL_LINKS(root) if _is_reference(ref)]
    if not refs:
        return  # most articles and pages ("#top", "#comments"): nothing to look up
    targets = {e.get("id"): e for e in root.xpath(".//*[@id]")}
    labels: dict[str, str] = {}
    for ref in refs:
        target = targets.get(ref.get("href")[1:])
        if target is None or target.tag != "li" or ref.getparent() is None:
            continue
        name = ref.get("href")[1:]
        if name not in labels:
            match = NOTE_LABEL.match(text_of(ref).strip())
            labels[name] = match.group(1) if match else str(len(labels) + 1)
        mark = new_element("sup")
        mark.text = f"[^{labels[name]}]"
        holder = ref.getparent() if ref.getparent().tag == "sup" and len(ref.getparent()) == 1 else ref
        mark.tail = holder.tail
        holder.getparent().replace(holder, mark)
    for name, label in labels.items():
        _write_note(targets[name], label, targets)


def _is_reference(ref) -> bool:
    parent = ref.getparent()
    hints = " ".join((ref.get("class") or "", ref.get("role") or "", ref.get("rel") or ""))
    return parent.tag == "sup" or "footnote" in hints or "noteref" in hints or ref.find("sup") is not None


def _write_note(item, label: str, targets: dict) -> None:
    """The list item becomes a paragraph before its list; an emptied list goes."""
    for link in list(item.iter("a")):
        href = link.get("href") or ""
        if href.startswith("#") and (href[1:] in targets or BACKREF.match(text_of(link))):
            remove(link)  # the "↩" back to the text
    for block in [e for e in item.iter("p", "div") if e is not item]:
        block.tail = " " + (block.tail or "")
        unwrap(block)
    note = new_element("p")
    note.text = f"[^{label}]: " + (item.text or "").lstrip()
    for child in list(item):
        note.append(child)
    parent = item.getparent()
    parent.addprevious(note) if parent.tag in ("ol", "ul") else item.addprevious(note)
    parent.remove(item)
    if parent.tag in ("ol", "ul") and not len(parent) and not text_of(parent).strip():
        remove(parent)
