"""Structural clean-up: what is never article, whatever the site (scripts, hidden
elements, form controls, tracking pixels), and lazy images resolved."""

from __future__ import annotations

import re

from ..dom import BLOCK_TAGS, excerpt, is_element, iter_elements, new_element, remove, unwrap
from .actions import Action

DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "canvas",
        "input",
        "button",
        "select",
        "option",
        "optgroup",
        "textarea",
        "datalist",
        "output",
        "progress",
        "meter",
        "keygen",
        "link",
        "meta",
        "base",
        "head",
        "title",
        "param",
        "track",
        "map",
        "area",
        "dialog",
    ]
)


LAZY_SRC = (
    "data-src",
    "data-original",
    "data-actualsrc",
    "data-lazy-src",
    "data-url",
    "data-echo",
    "data-original-src",
    "data-lazyload",
    "file",
)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Text readers cannot see: a watermark in near-white or zero-size type inside paragraphs.
TEXT_COLOR = re.compile(r"(?:^|;)\s*color\s*:\s*([^;]+)", re.I)
ZERO_SIZE = re.compile(r"(?:^|;)\s*font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|$)", re.I)
BACKGROUND = re.compile(r"background", re.I)
NEAR_WHITE = re.compile(
    r"\s*(?:white|transparent|#f[a-f0-9]f[a-f0-9]f[a-f0-9]|#f[a-f0-9]{2}|"
    r"rgba?\(\s*(?:2[4-5]\d\s*,\s*){2}2[4-5]\d\s*(?:,\s*[\d.]+\s*)?\)|rgba\([^)]*,\s*0(?:\.0+)?\s*\))\s*(?:!important)?\s*$",
    re.I,
)
TRACKER_SRC = re.compile(
    r"feeds\.feedburner\.com/~r/|/pixel\b|[./]pixel\.(gif|png)|beacon|/track(ing)?/|"
    r"google-analytics\.com|doubleclick\.net|/stat(s)?\.gif|wp\.com/i/stat|spacer\.gif|blank\.gif",
    re.I,
)
PIXEL_STYLE = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*[01](?:\.0+)?px", re.I)


BLANK_LINE = re.compile(r"\n[ \t\r\f\v\xa0\u3000]*\n")


def structural_cleanup(root, actions: list[Action]) -> None:
    """Scripts, styles, hidden elements, form controls, trackers; lazy images resolved.

    Recall first: an element that holds a large part of the page's text is not removed
    but unwrapped, whatever it is: the readable page served inside <noscript>, content
    hidden until a script reveals it, or the rest of a page swallowed by an unclosed
    <button> in broken markup."""
    page_size = readable_size(root)
    for element in list(iter_elements(root)):
        if element.getparent() is None:
            continue
        name = element.tag
        attrs = element.attrib
        hidden = "hidden" in attrs or ("style" in attrs and HIDDEN_STYLE.search(attrs["style"]))
        if (name in DROP_TAGS or hidden) and name not in NEVER_TEXT and holds_a_page(element, page_size):
            actions.append(Action(f"structure.{'hidden' if hidden else name}", "unwrap", excerpt(element)))
            unwrap(element)
            continue
        if name in DROP_TAGS:
            actions.append(Action(f"structure.{name}", "remove", excerpt(element)))
            remove(element)
            continue
        if hidden:
            actions.append(Action("structure.hidden", "remove", excerpt(element)))
            remove(element)
            continue
        if name in INLINE_TEXT and invisible_text(element):
            actions.append(Action("structure.invisible-text", "remove", excerpt(element)))
            remove(element)
            continue
        if name == "img" and not fix_image(element):
            actions.append(Action("structure.tracking-pixel", "remove", element.get("src", "")))
            remove(element)
    split_blank_lines(root)


INLINE_TEXT = frozenset(("font", "span", "em", "i", "b", "strong", "small", "u", "a"))


def invisible_text(element) -> bool:
    """Near-white or zero-size text with no background of its own or around it."""
    style = element.get("style") or ""
    color = element.get("color") if element.tag == "font" else None
    found = TEXT_COLOR.search(style)
    if found:
        color = found.group(1)
    if not ((color and NEAR_WHITE.match(color)) or ZERO_SIZE.search(style)):
        return False
    node, depth = element, 0
    while node is not None and depth < 8:  # white on a coloured box is visible
        if node.get("bgcolor") or BACKGROUND.search(node.get("style") or ""):
            return False
        node, depth = node.getparent(), depth + 1
    return True


NEVER_TEXT = frozenset(("script", "style", "template", "svg", "math", "head", "title", "meta", "link"))
PAGE_SHARE = 0.25  # an element holding this share of the page's text is kept (unwrapped)


def readable_size(root) -> int:
    """Characters of text a reader could see (script and style text left out), counted
    by libxml2 itself: a Python walk over a 100,000-deep tree is slow."""
    size = "string-length(normalize-space(.))"
    hidden = sum(e.xpath(size) for e in root.iter("script", "style", "template"))
    return int(root.xpath(size) - hidden)


def holds_a_page(element, page_size: int) -> bool:
    """Blocks and a large share of the page's text (not a pixel or an "enable JavaScript" line)."""
    size = readable_size(element)  # counted by libxml2: cheaper than the walk below
    if size < 200 or size < PAGE_SHARE * page_size:
        return False
    return any(is_element(c) and c.tag in BLOCK_TAGS for c in element.iter())


def fix_image(img) -> bool:
    """Resolve lazy-loading sources; False for tracking pixels and images without a source."""
    for key in LAZY_SRC:
        value = img.get(key)
        if value and not value.startswith("data:"):
            img.set("src", value.strip())
            break
    src = (img.get("src") or "").strip()
    if not src and img.get("srcset"):
        src = img.get("srcset").split(",")[0].strip().split(" ")[0]
        img.set("src", src)
    if not src or (src.startswith("data:") and len(src) < 200):
        return False
    if img.get("width") in ("0", "1") or img.get("height") in ("0", "1"):
        return False
    if PIXEL_STYLE.search(img.get("style", "")):
        return False
    return not TRACKER_SRC.search(src)


def split_blank_lines(root) -> None:
    """A blank line in a scraped text body separates paragraphs: make it two <br>.

    lxml finds the few strings with two line breaks in them (a page has thousands of
    strings); each is the text or the tail of its element."""
    for found in root.xpath(".//text()[contains(substring-after(., '\n'), '\n')]"):
        element = found.getparent()
        if not is_element(element) or element.tag in ("pre", "textarea", "code"):
            continue
        if found.is_text:
            if _has_blank_line(element.text) and _separates_text(element) and not _inside_pre(element):
                parts = BLANK_LINE.split(element.text)
                element.text = parts[0]
                for position, part in enumerate(parts[1:]):
                    element.insert(2 * position, new_element("br"))
                    element.insert(2 * position + 1, new_element("br", part))
        elif (
            element is not root
            and _has_blank_line(element.tail)
            and _separates_tail(element)
            and not _inside_pre(element.getparent())
        ):
            parts = BLANK_LINE.split(element.tail)
            element.tail = parts[0]
            anchor = element
            for part in parts[1:]:
                first, second = new_element("br"), new_element("br", part)
                anchor.addnext(first)
                first.addnext(second)
                anchor = second


def _separates_text(element) -> bool:
    """Whether a blank line in the element's own text can part two pieces of inline
    content: not when it is only space before a block (whole pages are full of those)."""
    if (element.text or "").strip():
        return True
    first = element[0] if len(element) else None
    return first is not None and first.tag not in BLOCK_TAGS


def _separates_tail(element) -> bool:
    """The same for the text after an element: only space between blocks parts nothing."""
    if (element.tail or "").strip():
        return True
    following = element.getnext()
    return element.tag not in BLOCK_TAGS and following is not None and following.tag not in BLOCK_TAGS


def _has_blank_line(text: str | None) -> bool:
    return bool(text) and "\n" in text and BLANK_LINE.search(text) is not None


def _inside_pre(element) -> bool:
    while element is not None:
        if element.tag in ("pre", "textarea", "code"):
            return True
        element = element.getparent()
    return False
