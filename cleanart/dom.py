"""Tree helpers and tag sets shared by the cleaning and rendering stages.

The tree is lxml's: parsing and walking it in C is what makes cleanart fast.  Text
lives in ``.text`` and ``.tail``; walks use explicit stacks, never recursion (pages
nest thousands deep).
"""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from .text import EDGE, without_zero_width

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
    ]
)


# --- tree helpers ----------------------------------------------------------------------


def is_element(node) -> bool:
    """A real element (not a comment or processing instruction)."""
    return isinstance(node.tag, str)


def iter_elements(root) -> Iterator:
    """Elements under ``root`` (not ``root`` itself) in document order, comments skipped.

    lxml walks the tree in C; callers that change the tree take a list first."""
    elements = root.iter(etree.Element)
    next(elements, None)  # root itself
    return elements


# The text and text length of an element, read by libxml2 in one call: joining the
# strings of itertext() makes a Python string of every text node first.
STRING = etree.XPath("string()", smart_strings=False)
STRING_LENGTH = etree.XPath("string-length()")


def text_of(element) -> str:
    """The text inside an element (comments excluded), without its own tail.

    An element without children (most of those asked: links, list items) holds its
    text alone: reading it costs a fraction of an XPath call."""
    if not is_element(element):
        return ""
    return STRING(element) if len(element) else element.text or ""


LINE_ENDS = etree.XPath(".//br | .//div | .//p | .//li")


def code_text(pre) -> str:
    """The text of a <pre> as its lines: a <br>, or a <div>/<p>/<li> holding one line (as
    some highlighters and editors write code), ends a line that text_of would run on
    into the next ("python3import subprocess")."""
    if not LINE_ENDS(pre):
        return text_of(pre)
    pieces = [pre.text or ""]

    def add(text: str | None) -> None:
        if text:
            pieces.append(text)

    walker = etree.iterwalk(pre, events=("start", "end"))
    for event, node in walker:
        if node is pre or not is_element(node):
            if event == "end" and node is not pre:
                add(node.tail)
            continue
        line = node.tag in ("div", "p", "li")
        if event == "start":
            if line and pieces[-1] and not pieces[-1].endswith("\n"):
                pieces.append("\n")  # the line before a block ends where the block starts
            # <br> ends a line, unless the markup breaks the line there too (<br>\n)
            add("\n" if node.tag == "br" and not (node.tail or "").startswith("\n") else node.text)
            continue
        if line and not pieces[-1].endswith("\n"):
            pieces.append("\n")
        add(node.tail)
    return "".join(pieces)


def text_length(element) -> int:
    """len(text_of(element)) for an element, without making the string (libxml2 counts
    characters, as len() does)."""
    return int(STRING_LENGTH(element)) if len(element) else len(element.text or "")


def has_text(root) -> bool:
    for text in root.itertext():
        if text.strip(EDGE):
            return True
    return next(root.iter("img"), None) is not None


def shows_text(root) -> bool:
    """True when some text under ``root`` is more than whitespace and zero-width characters
    (when there is none, the plain text is empty)."""
    return any(without_zero_width(text).strip(EDGE) for text in root.itertext())


EXCERPT_CHUNK = 256  # a long string is read a piece at a time: its start is all an excerpt shows


def excerpt(node, limit: int = 200) -> str:
    """The start of a node's text, whitespace collapsed (read only as far as needed:
    a removed script can hold hundreds of kilobytes)."""
    if is_element(node):
        pieces, visible = [], 0
        for piece in node.itertext() if len(node) else (node.text or "",):  # a script: one string
            for start in range(0, len(piece), EXCERPT_CHUNK):
                chunk = piece[start : start + EXCERPT_CHUNK]
                pieces.append(chunk)
                visible += len("".join(chunk.split()))  # space does not count
                if visible > limit:
                    break
            if visible > limit:
                break
        text = "".join(pieces)
    else:
        text = node.text or ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def append_text_before(element, text: str | None) -> None:
    """Add ``text`` where it reads just before ``element``."""
    if not text:
        return
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = element.getparent()
        parent.text = (parent.text or "") + text


def remove(element) -> None:
    """Remove an element and its content; the text after it stays."""
    append_text_before(element, element.tail)
    element.tail = None
    element.getparent().remove(element)


def unwrap(element) -> None:
    """Replace an element by its content."""
    append_text_before(element, element.text)
    element.text = None
    for child in list(element):
        element.addprevious(child)  # moves the child (with its tail) before the element
    remove(element)


def new_element(tag: str, tail: str | None = None):
    element = etree.Element(tag)
    element.tail = tail
    return element


def attached(node, root) -> bool:
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


MEDIA = frozenset(("img", "video", "audio", "picture", "hr"))
