"""Turn a body (HTML, Markdown or plain text) into an lxml document."""

from __future__ import annotations

import re
from typing import NamedTuple

from ahocorasick_rs import BytesAhoCorasick
from lxml import etree

from ..errors import CleanartWarning

HTML_HINT = re.compile(
    r"<(?:p|div|br|span|a|img|table|ul|ol|li|h[1-6]|section|article|blockquote|pre|strong|em|b|i|"
    r"figure|html|body|head|font|center|hr|iframe|script|style|video|audio|dl|code|sup|sub|u|s)"
    r"(?:\s[^>]*)?/?>|<!--|<!doctype",
    re.I,
)
WHOLE_PAGE = re.compile(r"<html[\s>]|<head[\s>]|<!doctype\s+html", re.I)


def looks_like_html(body: str) -> bool:
    return bool(HTML_HINT.search(body))


def is_whole_page(html: str) -> bool:
    """Whether an HTML body is a whole saved page, not a fragment of an article.

    A page says so at its start (a doctype, ``<html>``, ``<head>``): only the first
    5,000 characters are searched, so a huge body costs no more than a small one.
    """
    return bool(WHOLE_PAGE.search(html[:5000]))


def markdown_to_html(text: str) -> str:
    """Markdown or plain text bodies go through the same cleaning as HTML."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.render(text)


XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# lxml's plain parser: lxml.html's element classes are looked up in Python for every
# element touched, which cost a sixth of the run time.
PARSER = etree.HTMLParser(
    huge_tree=True, remove_comments=False, remove_pis=True, encoding="utf-8", collect_ids=False
)
EMPTY_PAGE = "<html><body></body></html>"


# Characters lxml refuses in a tree (NUL, C0 controls but tab and line breaks, U+FFFE/F,
# lone surrogates): a page that carries one stray U+001D must still convert.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
C0_BYTES = bytes((*range(9), 11, 12, *range(14, 32)))


# ASCII capitals to small letters and each byte lxml refuses to 0xFF, a byte UTF-8 never
# holds: one pass of this table lowercases the page and says whether it holds one.
LOWER_MARKING = bytes.maketrans(
    bytes(range(ord("A"), ord("Z") + 1)) + C0_BYTES,
    bytes(range(ord("a"), ord("z") + 1)) + b"\xff" * len(C0_BYTES),
)


def xml_safe_utf8(html: str, utf8: bytes | None = None) -> tuple[bytes, bytes]:
    """``html`` in UTF-8 without the characters lxml refuses, and that lowercased (ASCII
    letters only: every offset stays where it was).  Plain searches find whether there
    are any (a character class scan of a whole page costs several times more).
    ``utf8``: ``html`` in UTF-8 already, when the caller has it."""
    try:
        data = html.encode("utf-8") if utf8 is None else utf8
    except UnicodeEncodeError:  # a lone surrogate
        data = NOT_XML.sub("", html).encode("utf-8")
        return data, data.lower()
    lower = data.translate(LOWER_MARKING)
    if b"\xff" in lower or "\ufffe" in html or "\uffff" in html:
        data = NOT_XML.sub("", html).encode("utf-8")
        return data, data.lower()
    return data, lower


# libxml2 drops what follows a </body> or </html>; scraped bodies end one early and go on.
EARLY_ENDS = (b"</body", b"</html")
TAG_CLOSE = re.compile(rb"\s*>")  # what may follow the name of a closing tag
OPENING = re.compile(r"<(style|script)\b", re.I)  # the tag ends at the next ">"
CLOSING = {name: re.compile(rf"</{name}\s*>", re.I) for name in ("style", "script")}
# The tags the checks before parsing look for.  No two of their places can overlap:
# each holds a "<" at its start only.
LANDMARKS = (*EARLY_ENDS, b"<script", b"</script", b"<style", b"</style")
LANDMARK_SCAN = BytesAhoCorasick(list(LANDMARKS))


class Lowered(NamedTuple):
    """The page as lowercased UTF-8 (ASCII letters only: every offset stays where it
    was) and where each landmark tag starts in it, in page order.  One Aho-Corasick
    scan finds them all: a plain search for each read most of the page once each."""

    text: bytes
    starts: dict[bytes, list[int]]


def lowered(data: bytes, text: bytes | None = None) -> Lowered:
    """``data``'s landmarks (``text``: ``data`` lowercased, when it is at hand)."""
    text = data.lower() if text is None else text
    starts: dict[bytes, list[int]] = {name: [] for name in LANDMARKS}
    for index, start, _end in LANDMARK_SCAN.find_matches_as_indexes(text):
        starts[LANDMARKS[index]].append(start)
    return Lowered(text, starts)


def parse_html(html: str, utf8: bytes | None = None):
    """An lxml document for ``html``; nesting deeper than libxml2's limit still parses.

    lxml reads the page as UTF-8 bytes (the decoding is done): a <meta charset> in it
    changes nothing.  ``utf8``: ``html`` in UTF-8, when the caller has it already."""
    without_declaration = XML_DECLARATION.sub("", html)
    if without_declaration is not html:  # a declaration was taken off: not those bytes
        html, utf8 = without_declaration, None
    data, lower_text = xml_safe_utf8(html, utf8)
    lower = lowered(data, lower_text)
    data = _without_early_ends(data, lower)
    if not data.strip():
        return etree.fromstring(EMPTY_PAGE, PARSER), []
    warnings = unclosed(html, lower)
    try:
        document = etree.fromstring(data, PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        document = None
    if document is None:
        return etree.fromstring(EMPTY_PAGE, PARSER), [*warnings, "the body could not be parsed as HTML"]
    if any("Excessive depth" in str(error) for error in PARSER.error_log):
        # libxml2's tree builder drops what lies deeper than 2048 levels (trafilatura
        # returns nothing there); its SAX interface does not, so build the tree from that.
        try:
            builder = etree.HTMLParser(target=etree.TreeBuilder(), huge_tree=True, encoding="utf-8")
            return etree.fromstring(data, parser=builder), warnings
        except Exception:
            return document, [*warnings, "the body is nested too deeply; text below 2048 levels was lost"]
    return document, warnings


def _without_early_ends(data: bytes, lower: Lowered) -> bytes:
    """``data`` without its </body> and </html> tags."""
    cuts = []
    for name in EARLY_ENDS:
        for at in lower.starts[name]:
            tail = TAG_CLOSE.match(lower.text, at + len(name))
            if tail:
                cuts.append((at, tail.end()))
    if not cuts:
        return data
    pieces, done = [], 0
    for start, end in sorted(cuts):
        pieces.append(data[done:start])
        done = end
    pieces.append(data[done:])
    return b"".join(pieces)


# The code of unclosed() warnings: a body cleaned in pieces (huge.py) tells them from the
# pieces' other warnings by it, and says them once for the whole body instead.
UNCLOSED = "markup-unclosed"


def unclosed(html: str, lower: Lowered | None = None) -> list[CleanartWarning]:
    """Markup that hides the rest of the body from readers, said once each.

    Each kind is unclosed when it opens after its last closing: found from the end,
    so a page of many scripts is read once, not once a script.  ``lower``, the page's
    landmarks, says from its last <script> and <style> that each closes (most pages),
    before any regular expression reads the page."""
    found = []
    last_close = html.rfind("-->")
    start = html.find("<!--", max(0, last_close - 3)) if last_close >= 0 else html.find("<!--")
    if start >= 0:
        found.append(_hides("an unclosed <!-- comment", html, start))
    if lower is not None and all(_closes(lower, name) for name in (b"script", b"style")):
        return found
    last = {name: _last_match(pattern, html) for name, pattern in CLOSING.items()}
    close = -1  # the next ">" (found once for all openings before it: no rescans)
    for match in OPENING.finditer(html):  # openings may overlap ("<script" in a script's text)
        if close < match.end():
            close = html.find(">", match.end())
            if close < 0:
                break  # no opening from here on is a tag
        name = match.group(1).lower()
        if close + 1 > last[name]:
            found.append(_hides(f"an unclosed <{name}>", html, match.start()))
            break
    return found


def _closes(lower: Lowered, name: bytes) -> bool:
    """Whether the last <NAME of the page has a </NAME> after its tag ends (True when it
    has no <NAME at all).  False is not sure: unclosed() then reads the whole page."""
    text = lower.text
    for opening in reversed(lower.starts[b"<" + name]):
        after = opening + len(name) + 1
        if after == len(text) or not (text[after : after + 1].isalnum() or text[after] == 0x5F):
            break  # "<script" and not "<scripts" or "<script_x"
    else:
        return True
    tag_end = text.find(b">", opening)
    closings = reversed(lower.starts[b"</" + name])
    closing = next((at for at in closings if TAG_CLOSE.match(text, at + len(name) + 2)), -1)
    return 0 <= tag_end < closing


def _last_match(pattern: re.Pattern, html: str) -> int:
    """Where the last match of ``pattern`` starts (-1: none), searching back from the end."""
    step = 4096
    end = len(html)
    while end > 0:
        begin = max(0, end - step)
        matches = list(pattern.finditer(html, begin, len(html)))
        if matches:
            return matches[-1].start()
        end, step = begin, step * 4
    return -1


def _hides(what: str, html: str, position: int) -> CleanartWarning:
    line = html.count(chr(10), 0, position) + 1
    return CleanartWarning(UNCLOSED, f"{what} at body line {line} hides the text after it")
