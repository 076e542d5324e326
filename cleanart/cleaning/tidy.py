"""Finishing: comments, attributes, presentational wrappers, empty elements, whitespace."""

from __future__ import annotations

from lxml import etree

from ..dom import BLOCK_TAGS, MEDIA, is_element, iter_elements, new_element, remove, unwrap
from ..text import EDGE, INDENT, join_spaces, without_zero_width

KEEP_EMPTY = frozenset(
    ["img", "br", "hr", "td", "th", "tr", "video", "audio", "source", "picture", "col", "colgroup"]
)
UNWRAP_TAGS = frozenset(["span", "font", "center", "o:p", "big", "small", "basefont", "nobr", "wbr", "bdi"])
KEEP_ATTRS = {
    "a": ("href", "title"),
    "img": ("src", "alt", "title"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan", "scope"),
    "ol": ("start", "type"),
    "li": ("value",),
    "blockquote": ("cite",),
    "q": ("cite",),
    "time": ("datetime",),
    "abbr": ("title",),
    "code": ("class",),  # language-xxx
    "pre": ("class",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src", "type"),
}
GLOBAL_ATTRS = ("lang", "dir")


def finish(root, keep_indent: bool) -> None:
    """Comments, empty wrappers, attributes, presentational tags and whitespace."""
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        if node.getparent() is not None:
            remove(node)
    wrappers = []
    for element in list(iter_elements(root)):
        if element.getparent() is None:
            continue
        name = element.tag
        keep = KEEP_ATTRS.get(name, ())
        for key in list(element.attrib):
            if key not in keep and key not in GLOBAL_ATTRS:
                del element.attrib[key]
        if name == "a":
            href = (element.get("href") or "").strip()
            if not href or href.lower().startswith(("javascript:", "#")):
                element.attrib.pop("href", None)
        if name in UNWRAP_TAGS or (name == "a" and "href" not in element.attrib):
            wrappers.append(element)
        elif name in ("pre", "code"):
            classes = element.get("class") or ""
            if "language-" not in classes and "lang-" not in classes:
                element.attrib.pop("class", None)
    # Innermost first: unwrapping moves the children, and lxml walks every node it moves,
    # so outermost first is quadratic in the nesting (100,000 nested <span>s).
    for element in reversed(wrappers):
        unwrap(element)
    wrap_orphan_items(root)
    prune_empty(root)
    tidy_strings(root, keep_indent)
    trim_breaks(root)
    drop_blank_text(root)


def wrap_orphan_items(root) -> None:
    """Scrapers drop list wrappers: consecutive <li> outside a list go into one <ul>."""
    for item in list(root.iter("li")):
        parent = item.getparent()
        if parent is None or parent.tag in ("ul", "ol", "menu", "dir"):
            continue
        wrapper = new_element("ul")
        item.addprevious(wrapper)
        node = item
        while node is not None and is_element(node) and node.tag == "li":
            following = node.getnext()
            tail = node.tail
            blank = not (tail or "").strip(EDGE)
            wrapper.append(node)
            if not blank:
                node.tail = None
                wrapper.tail = (wrapper.tail or "") + tail
                break
            node.tail = None
            node = following


def prune_empty(root) -> None:
    """Remove elements left with no text and no media, innermost first (one pass)."""
    full: set[int] = set()  # ids of elements that hold text or media
    for element in reversed(list(iter_elements(root))):
        name = element.tag
        content = name in MEDIA or id(element) in full or bool((element.text or "").strip(EDGE))
        if not content:
            content = any((child.tail or "").strip(EDGE) for child in element)
        parent = element.getparent()
        if content:
            if parent is not None:
                full.add(id(parent))
            continue
        if name in KEEP_EMPTY:
            continue
        remove(element)


def tidy_strings(root, keep_indent: bool) -> None:
    """Whitespace inside text: CJK-aware joining, no zero-width characters, indents.

    One walk over the text in document order; a block element or <br> starts a new
    block, whose first text loses its indentation (kept with ``keep_indent``).
    """
    started = False  # has the current block shown any content yet?

    def tidy_slot(element, kind: str) -> None:
        nonlocal started
        original = getattr(element, kind)
        text = without_zero_width(original)
        if started:
            text = join_spaces(text)
        elif not text.strip(EDGE):
            text = ""
        else:
            started = True
            indent = INDENT.match(text)
            lead = indent.group(0) if indent else ""
            kept = "".join(c for c in lead if c in "\u3000\xa0") if keep_indent else ""
            text = kept + join_spaces(text[len(lead) :])
        if text != original:
            setattr(element, kind, text or None)

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if not isinstance(tag, str):
            if event == "end" and element.tail:
                tidy_slot(element, "tail")
            continue
        if event == "start":
            if tag in BLOCK_TAGS or tag == "br":
                started = False
            elif tag in MEDIA:
                started = True
            if tag == "pre":
                walker.skip_subtree()  # code keeps its spacing
                started = False
                if element.tail and element is not root:
                    tidy_slot(element, "tail")
                continue
            if element.text:
                tidy_slot(element, "text")
        elif tag != "pre":
            if tag in BLOCK_TAGS:
                started = False
            if element is not root and element.tail:
                tidy_slot(element, "tail")


def drop_blank_text(root) -> None:
    """Whitespace between blocks carries nothing: drop it (the HTML output stays compact)."""
    for element in root.iter():
        if (
            element.text
            and not element.text.strip(EDGE)
            and element.tag in BLOCK_TAGS
            and (len(element) == 0 or element[0].tag in BLOCK_TAGS)
        ):
            element.text = None
        if element is not root and element.tail and not element.tail.strip(EDGE):
            following = element.getnext()
            if (
                element.tag in BLOCK_TAGS
                or element.tag == "br"
                or following is None
                or (following.tag in BLOCK_TAGS)
            ):
                element.tail = None


def trim_breaks(root) -> None:
    """No <br> at the start or end of a block, and at most two in a row."""
    breaks = list(root.iter("br"))
    for step, ordered in ((1, list(reversed(breaks))), (-1, breaks)):  # trailing, then leading
        for br in ordered:
            if br.getparent() is None:
                continue
            if _edge_of_block(br, step):
                remove(br)
    for br in breaks:
        if br.getparent() is None or (br.tail or "").strip(EDGE):
            continue
        previous = br.getprevious()
        if previous is not None and previous.tag == "br" and not (previous.tail or "").strip(EDGE):
            before = previous.getprevious()
            if before is not None and before.tag == "br" and not (before.tail or "").strip(EDGE):
                remove(br)


def _edge_of_block(br, step: int) -> bool:
    """True when only blank text separates ``br`` from its block's start (-1) or end (1)."""
    if step > 0:
        if (br.tail or "").strip(EDGE):
            return False
        sibling = br.getnext()
        while sibling is not None and not is_element(sibling):
            if (sibling.tail or "").strip(EDGE):
                return False
            sibling = sibling.getnext()
        return sibling is None or sibling.tag in BLOCK_TAGS
    previous = br.getprevious()
    while previous is not None and not is_element(previous):
        if (previous.tail or "").strip(EDGE):
            return False
        previous = previous.getprevious()
    if previous is None:
        return not (br.getparent().text or "").strip(EDGE)
    if (previous.tail or "").strip(EDGE):
        return False
    return previous.tag in BLOCK_TAGS
