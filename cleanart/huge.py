"""Bodies far larger than any article, cleaned in pieces so that memory stays bounded.

A cleaned tree costs about twenty times its HTML in memory (lxml's nodes, a Python
object per element held while the tree is in use, the blocks the rules and the
detector list), so a 200 MB body peaked at 6 GB.  A body above ``HUGE_CHARS`` (no
real article comes near it: the largest saved pages are a few hundred kilobytes of
markup) is instead cut at block boundaries into pieces of about ``PIECE_CHARS``;
each piece is parsed, cleaned and rendered on its own, its tree freed, and the
rendered pieces joined.  Peak memory is then the input, the output and one piece.

What the cut changes, compared with cleaning the body whole:

- a cut falls only before a block element that is not inside a table, list, quote,
  heading, figure or preformatted block, so those are never split; the wrappers
  open at the cut (``<div class=…>``, at most ``MAX_REOPEN`` of them) are opened
  again at the start of the next piece, so class-based rules and the detector see
  the same ancestors;
- the detector's evidence about position (first block, last blocks, after the last
  paragraph of article text) and "the longest block is kept" hold per piece;
- a ``cut`` rule removes the rest of its piece and every later piece;
- a whole page keeps its ``<head>`` metadata (read from the first piece and handed
  to the others), but the main content is not searched for: scoring containers
  needs the whole tree, and a page this size is a dump, not one article, so all of
  its text is kept (with a warning);
- Markdown footnote numbers and list markers are chosen per piece.

Markdown and plain-text bodies are cut at blank lines outside fenced code.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any, Iterator

from .api import Article, Options
from .errors import CleanartWarning

HUGE_CHARS = 8_000_000  # bodies longer than this are cleaned in pieces
PIECE_CHARS = 500_000  # about this much of the body per piece (twice as much: 10% more memory)
MAX_REOPEN = 256  # wrappers opened again at the start of a piece (deeper ones are not)

# Elements a cut may fall inside of (wrappers); a cut never falls inside ATOMIC ones.
WRAPPERS = frozenset(
    ("html", "body", "div", "section", "article", "main", "center", "header", "footer", "aside", "nav")
)
ATOMIC = frozenset(
    (
        "table", "ul", "ol", "dl", "menu", "dir", "pre", "blockquote", "figure", "details", "noscript",
        "template", "svg", "math", "object", "video", "audio", "picture", "select", "button",
        "h1", "h2", "h3", "h4", "h5", "h6",
    )
)  # fmt: skip
RAW = frozenset(("script", "style"))  # their text is not markup, to the parser
# Block elements a cut may fall just before.
CUT_BEFORE = frozenset(("p", "div", "section", "article", "hr", "center", "header", "footer", *ATOMIC))
FENCE = r"^ {0,3}(```|~~~)"  # a fenced code block opens or closes


@cache
def _patterns() -> tuple[re.Pattern, dict[str, re.Pattern]]:
    """The tags that matter, and the end of each raw-text element (compiled on first use:
    3 ms that every process would pay at import)."""
    names = "|".join(sorted(WRAPPERS | ATOMIC | RAW | CUT_BEFORE, key=len, reverse=True))
    tag = re.compile(rf"<(?:(!--)|(/?)({names})(?=[\s/>])[^>]*>)", re.I)
    return tag, {name: re.compile(rf"</{name}\s*>", re.I) for name in RAW}


def is_huge(body: str) -> bool:
    return len(body) > HUGE_CHARS


def html_pieces(body: str, size: int | None = None) -> Iterator[str]:
    """The body in pieces of about ``size`` characters, each valid HTML on its own.

    A scan of the tags that matter (wrappers, atomic blocks, raw-text elements and
    comments, whose content is skipped as the parser skips it), with the stack of
    open wrappers and atomic blocks.  Closing tags close what they name and what is
    open inside it, as the parser does; an unclosed comment or script ends the
    scan (the rest is one piece, as it is one node)."""
    size = size or PIECE_CHARS
    tag, raw_end = _patterns()
    stack: list[tuple[str, str]] = []  # (name, opening tag)
    atomic = 0  # ATOMIC elements on the stack
    start, position, reopen = 0, 0, ""
    while True:
        match = tag.search(body, position)
        if match is None:
            break
        if match.group(1):  # a comment
            end = body.find("-->", match.end())
            if end < 0:
                break
            position = end + 3
            continue
        name = match.group(3).lower()
        if match.group(2):  # a closing tag
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    atomic -= sum(1 for opened, _ in stack[depth:] if opened in ATOMIC)
                    del stack[depth:]
                    break
            position = match.end()
            continue
        if name in CUT_BEFORE and not atomic and match.start() - start >= size:
            yield reopen + body[start : match.start()]
            reopen = "".join(tag for _, tag in stack[:MAX_REOPEN])
            start = match.start()
        if name in RAW:
            end = raw_end[name].search(body, match.end())
            if end is None:
                break
            position = end.end()
            continue
        position = match.end()
        if match.group(0).endswith("/>") or name in ("hr",):
            continue
        if name in WRAPPERS or name in ATOMIC:
            stack.append((name, match.group(0)))
            atomic += name in ATOMIC
    yield reopen + body[start:]


def text_pieces(body: str, size: int | None = None) -> Iterator[str]:
    """A Markdown or plain-text body in pieces, cut at a blank line outside fenced code."""
    size = size or PIECE_CHARS
    fence = re.compile(FENCE, re.M)
    start = 0
    while len(body) - start > size:
        cut = body.find("\n\n", start + size)
        while cut >= 0 and len(fence.findall(body, start, cut)) % 2:
            cut = body.find("\n\n", cut + 2)
        if cut < 0:
            break
        yield body[start:cut]
        start = cut + 2
    yield body[start:]


class Pieces:
    """What cleaning the pieces left: their renderings and what they found.

    (A plain class: a dataclass here cost every process a millisecond at import.)"""

    def __init__(self):
        self.page: dict[str, Any] = {}
        self.moved: dict[str, Any] = {}
        self.actions: list = []
        self.warnings: list = []
        self.text: list[str] = []
        self.markdown: list[str] = []
        self.images = 0
        self.links = 0
        self.shows_text = False
        self.html = None  # renders the HTML: another pass over the pieces


def clean(body: str, meta: dict[str, Any], rules: tuple, options: Options, template: Any, reread) -> Pieces:
    """Clean, then render as text and Markdown, one piece at a time (see the module's doc).

    ``reread()`` gives the body again, for HTML output (a second pass): the body itself
    is not kept, so that it is freed before the output is built."""
    from .cleaning.parse import UNCLOSED, is_whole_page, looks_like_html, unclosed
    from .dom import shows_text
    from .render import to_html, to_markdown, to_text

    is_html = looks_like_html(body)
    whole_page = is_html and is_whole_page(body)
    found = Pieces()
    seen: set[str] = set()
    no_text = []
    for cleaned in _cleaned_pieces(body, is_html, whole_page, meta, rules, options, template, found):
        for key, value in cleaned.moved.items():
            if isinstance(value, list):
                have = found.moved.setdefault(key, [])
                have.extend(v for v in value if v not in have)
            else:
                found.moved.setdefault(key, value)
        found.actions.extend(cleaned.actions)
        for warning in cleaned.warnings:
            said, code = str(warning), getattr(warning, "code", "")
            if code == "no-text":
                no_text.append(warning)  # said only if no piece has text
            elif said not in seen and code != UNCLOSED:  # said for the whole body below
                seen.add(said)
                found.warnings.append(warning)
        root = cleaned.body
        found.shows_text = found.shows_text or shows_text(root)
        if options.images:
            found.images += sum(1 for _ in root.iter("img"))
        if options.links:
            found.links += sum(1 for a in root.iter("a") if a.get("href"))
        text = to_text(root, options.keep_indent)
        if text:
            found.text.append(text)
        markdown = to_markdown(root, options.links, options.images)
        if markdown:
            found.markdown.append(markdown.rstrip("\n"))
        del cleaned, root  # before the next piece is parsed
    if is_html:
        found.warnings[:0] = unclosed(body)
    if not found.shows_text and no_text:
        found.warnings.append(no_text[0])
    if whole_page and options.main_content:
        found.warnings.append(
            CleanartWarning(
                "huge-page",
                f"a page of {len(body) // 1_000_000} million characters was cleaned in pieces and "
                "all of its text kept (the main content is searched for in smaller pages only)",
            )
        )

    def html() -> str:
        again = _cleaned_pieces(reread(), is_html, whole_page, meta, rules, options, template)
        return "".join(to_html(cleaned.body) for cleaned in again)

    found.html = html
    return found


def _cleaned_pieces(body, is_html, whole_page, meta, rules, options, template, found=None) -> Iterator:
    """Each piece cleaned, in order; each tree is freed when the next piece is parsed."""
    from . import cleaning

    inherit = None
    for piece in html_pieces(body) if is_html else text_pieces(body):
        cleaned = cleaning.clean(
            piece,
            meta,
            rules,
            keep_credits=options.keep_credits,
            keep_indent=options.keep_indent,
            main_content=options.main_content and not whole_page,
            balance=options.balance,
            template=template,
            inherit=inherit,
        )
        del piece
        if inherit is None:
            inherit = (cleaned.page, cleaning.read_base(cleaned.body.getroottree().getroot()))
            if found is not None:
                found.page = cleaned.page
        cut = any(action.action == "cut" for action in cleaned.actions)
        yield cleaned
        del cleaned
        if cut:
            break  # a cut removes everything after its marker: the later pieces too


def template_blocks(body: str, meta: dict[str, Any], rules: tuple, main_content: bool) -> list:
    """Template learning's blocks of a huge body, piece by piece (cleaning.template_blocks)."""
    from . import cleaning
    from .cleaning.parse import is_whole_page, looks_like_html

    if not looks_like_html(body):
        return []
    main_content = main_content and not is_whole_page(body)
    found: list = []
    for piece in html_pieces(body):
        found.extend(cleaning.template_blocks(piece, meta, rules, main_content))
    return found


class HugeArticle(Article):
    """An Article whose body was cleaned in pieces: text and Markdown made on the way."""

    @cached_property
    def html(self) -> str:
        return self._cleaned.html()

    @cached_property
    def text(self) -> str:
        pieces = self._cleaned.text
        text = "\n\n".join(pieces)
        pieces.clear()  # not kept beside the whole
        return text

    @cached_property
    def markdown(self) -> str:
        pieces = self._cleaned.markdown
        markdown = "\n\n".join(pieces) + "\n" if pieces else ""
        pieces.clear()
        return markdown

    @cached_property
    def empty(self) -> bool:
        return not self._cleaned.shows_text

    @cached_property
    def stats(self) -> dict[str, int]:
        from .text import stats

        return stats(self.text, self._cleaned.images, self._cleaned.links)
