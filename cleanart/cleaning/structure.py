"""Structural clean-up: what is never article, whatever the site (scripts, hidden
elements, form controls, tracking pixels), and lazy images resolved."""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from ..dom import (
    BLOCK_TAGS,
    attached,
    excerpt,
    is_element,
    iter_elements,
    new_element,
    remove,
    text_length,
    unwrap,
)
from ..screen import anchors_of, fold
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
    <button> in broken markup.  Unless the page shows the same text elsewhere: then it
    is a copy (the <noscript> twin of a script's page, a "republish this" dialog)."""
    page_size, toggles = PageSize(root), Toggles(root)
    elements = list(iter_elements(root))  # in document order: a subtree follows its root
    position = 0
    while position < len(elements):
        element = elements[position]
        position += 1
        name = element.tag
        style = element.get("style")
        hidden = element.get("hidden") is not None or (style is not None and HIDDEN_STYLE.search(style))
        if hidden and name not in DROP_TAGS and toggles.opens(element):
            continue  # a collapsed accordion or tab panel: a reader opens it with a click
        if name not in DROP_TAGS and not hidden:  # most elements: nothing to drop
            if name in INLINE_TEXT and (style or name == "font") and invisible_text(element):
                rule, text = "structure.invisible-text", excerpt(element)
            elif name == "img" and not fix_image(element):
                rule, text = "structure.tracking-pixel", element.get("src", "")
            else:
                continue
        elif (
            name not in NEVER_TEXT and holds_a_page(element, page_size) and not shown_elsewhere(element, root)
        ):
            actions.append(Action(f"structure.{'hidden' if hidden else name}", "unwrap", excerpt(element)))
            unwrap(element)
            continue
        else:
            rule, text = f"structure.{name if name in DROP_TAGS else 'hidden'}", excerpt(element)
        actions.append(Action(rule, "remove", text))
        position += sum(1 for _ in element.iter(etree.Element)) - 1  # its subtree goes with it
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


# Compiled once: element.xpath("...") compiles its expression at every call.
VISIBLE_LENGTH = etree.XPath("string-length(normalize-space(.))")


def readable_size(root) -> int:
    """Characters of text a reader could see (script, style and form field text left out:
    a "republish this" box holds the story's HTML in a <textarea>), counted by libxml2
    itself: a Python walk over a 100,000-deep tree is slow."""
    hidden = sum(VISIBLE_LENGTH(e) for e in root.iter("script", "style", "template", "textarea"))
    return int(VISIBLE_LENGTH(root) - hidden)


class PageSize:
    """The page's readable size, counted the first time it is asked for: only an element
    of 200 characters or more is measured against it, and most pages have none to drop."""

    def __init__(self, root) -> None:
        self.root, self.size = root, None

    def __call__(self) -> int:
        if self.size is None:
            self.size = readable_size(self.root)
        return self.size


class Toggles:
    """Collapsed panels: a hidden element that is a tab or accordion panel (role region
    or tabpanel), or that a button of the page opens (aria-controls names its id), is
    text a reader sees with a click.  Not a dialog or a menu: those are popups and
    navigation.  The ids are read the first time a hidden element asks."""

    NOT_PANELS = frozenset(("dialog", "alertdialog", "menu", "menubar", "navigation", "tooltip"))

    def __init__(self, root) -> None:
        self.root, self.ids = root, None

    def opens(self, element) -> bool:
        role = element.get("role")
        if role in ("region", "tabpanel"):
            return True
        if role in self.NOT_PANELS or element.tag in ("nav", "aside", "form") or not element.get("id"):
            return False
        if self.ids is None:
            self.ids = {name for value in self.root.xpath(".//@aria-controls") for name in value.split()}
        return element.get("id") in self.ids


def holds_a_page(element, page_size: PageSize) -> bool:
    """Blocks and a large share of the page's text (not a pixel or an "enable JavaScript" line)."""
    if text_length(element) < 200:  # all its text, scripts too: most elements stop here
        return False
    size = readable_size(element)  # counted by libxml2: cheaper than the walk below
    if size < 200 or size < PAGE_SHARE * page_size():
        return False
    return any(is_element(c) and c.tag in BLOCK_TAGS for c in element.iter())


SAME_PARAGRAPH = etree.XPath(".//p[normalize-space()=$text]")
NORMALIZED = etree.XPath("normalize-space()")  # as SAME_PARAGRAPH compares: ASCII space only
PARAGRAPH_LENGTH = 80  # characters: a paragraph this long is not repeated by chance
SAMPLE = 5  # long paragraphs of an element looked up
COPY_SHARE = 0.8  # of them standing elsewhere: the element is a copy
# Twins that do not count: text no reader sees where it stands either.
UNSEEN = frozenset(("template", "textarea", "script", "style", "noscript"))


def shown_elsewhere(element, root) -> bool:
    """True when the element is a copy: most of its long paragraphs (the first few) stand
    outside it too, where a reader sees them.  One repeated paragraph (a teaser's opening
    above the full story, a disclaimer) is no copy."""
    sampled = shown = 0
    for paragraph in element.iter("p"):
        text = NORMALIZED(paragraph)
        if len(text) < PARAGRAPH_LENGTH:
            continue
        sampled += 1
        twins = SAME_PARAGRAPH(root, text=text)
        shown += any(not attached(twin, element) and _seen(twin) for twin in twins)
        if sampled == SAMPLE:
            break
    return sampled > 0 and shown >= COPY_SHARE * sampled


def _seen(node) -> bool:
    """Whether no ancestor of ``node`` hides it (a template, a form field, a hidden box)."""
    for ancestor in node.iterancestors():
        style = ancestor.get("style")
        if (
            ancestor.tag in UNSEEN
            or ancestor.get("hidden") is not None
            or (style is not None and HIDDEN_STYLE.search(style))
        ):
            return False
    return True


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
    folded = fold(src)
    return not (any(word in folded for word in _tracker_anchors()) and TRACKER_SRC.search(src))


@lru_cache(maxsize=1)
def _tracker_anchors() -> frozenset[str]:
    """The literals one of which every TRACKER_SRC match holds: the pattern runs only on a
    source with one (read from the pattern itself, on first use)."""
    return anchors_of([TRACKER_SRC.pattern]) or frozenset([""])  # "" is in every source


def split_blank_lines(root) -> None:
    """A blank line in a scraped text body separates paragraphs: make it two <br>.

    One walk reads each element's text and tail (an XPath test on every string copied
    each one in libxml2 and cost three times as much).  The elements are listed first:
    the <br>s put in are not visited.  Each change touches only its own string and
    what it puts in, so the text of an element may be split before the tails inside it."""
    for element in list(root.iter(etree.Element)):
        if element.tag in ("pre", "textarea", "code"):
            continue
        text, tail = element.text, element.tail
        if (text is None or text.count("\n") < 2) and (tail is None or tail.count("\n") < 2):
            continue  # most strings hold one line break at most: no call for them
        if _has_blank_line(element.text) and _separates_text(element) and not _inside_pre(element):
            _split_text(element)
        if (
            element is not root
            and _has_blank_line(element.tail)
            and _separates_tail(element)
            and not _inside_pre(element.getparent())
        ):
            _split_tail(element)


def _split_text(element) -> None:
    parts = BLANK_LINE.split(element.text)
    element.text = parts[0]
    for position, part in enumerate(parts[1:]):
        element.insert(2 * position, new_element("br"))
        element.insert(2 * position + 1, new_element("br", part))


def _split_tail(element) -> None:
    parts = BLANK_LINE.split(element.tail)
    element.tail = parts[0]
    anchor = element
    for part in parts[1:]:
        first, second = new_element("br"), new_element("br", part)
        anchor.addnext(first)
        first.addnext(second)
        anchor = second


def _separates_text(element) -> bool:
    """Whether a blank line in the element's own text may part two pieces of inline
    content.  Not when it is only space at the start of a block: a block's start parts
    text already, whatever is removed later (whole pages are full of such space)."""
    return bool((element.text or "").strip()) or element.tag not in BLOCK_TAGS


def _separates_tail(element) -> bool:
    """The same after an element: only space closing a block (after its last child), or
    standing between two blocks, parts nothing their edges do not (pretty-printed pages
    hold thousands of the latter)."""
    if (element.tail or "").strip():
        return True
    following = element.getnext()
    if following is not None:
        return not (element.tag in BLOCK_TAGS and is_element(following) and following.tag in BLOCK_TAGS)
    parent = element.getparent()
    return parent is None or parent.tag not in BLOCK_TAGS


def _has_blank_line(text: str | None) -> bool:
    """Most strings of a pretty-printed page hold one line break: counted, not searched."""
    return bool(text) and text.count("\n") > 1 and BLANK_LINE.search(text) is not None


def _inside_pre(element) -> bool:
    while element is not None:
        if element.tag in ("pre", "textarea", "code"):
            return True
        element = element.getparent()
    return False
