"""Markdown from the cleaned tree, written by a walker of our own.

html2text wrote it in cleanart 0.1 (the benchmarks still compare with it): it
re-parses the serialised tree with a pure-Python parser and writes one flat stream,
so blocks inside list items, spanning table cells, fences sized to their content and
code languages could only be repaired after the fact, and it alone cost
nearly as much as the whole cleaning stage (``-t md`` ran at 0.53-0.58 of ``-t txt``).
Walking the lxml tree directly gives each construct its own small function and brings
``-t md`` to about 0.9 of ``-t txt``.

The output is CommonMark with GFM pipe tables and ``~~`` strike-through that renders
back to the same text: no hard wrapping, no stray spaces in CJK text, emphasis that can
always close, escapes for text that would otherwise become markup, ``\\`` hard breaks,
and list items that hold their blocks indented under the marker.  Converting the
output again changes nothing.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .dom import (
    BLOCK_TAGS,
    append_text_before,
    code_text,
    is_element,
    iter_elements,
    new_element,
    remove,
    text_of,
    unwrap,
)
from .text import EDGE, script_text

EMPHASIS = ("strong", "b", "em", "i", "del", "s", "strike")
MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "del": "~~", "s": "~~", "strike": "~~"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
LISTS = ("ul", "ol", "menu", "dir")
TABLE_PARTS = ("thead", "tbody", "tfoot")
LEAF_BLOCKS = frozenset(("pre", "blockquote", "table", "hr", "dl", *HEADINGS))  # written as a unit
MAX_DEPTH = 120  # deeper nesting is written as plain paragraphs (the walk recurses)

BREAK = "\ue002"  # a <br> while a paragraph is being built
LEAD = re.compile(r"^[\s\u3000\xa0\W_]+")
TRAIL = re.compile(r"[\s\u3000\xa0\W_]+$")
PUNCT_OR_SPACE = re.compile(r"[\s\u3000\xa0\W_]")

# --- escaping -----------------------------------------------------------------------------

ASCII_PUNCT = re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
BACKSLASH = re.compile(rf"\\(?=[{ASCII_PUNCT}])")
ENTITY = re.compile(r"&(?=#?\w+;)")
# "_" only stays bare inside a word (snake_case); "<" before a letter would be raw HTML.
INLINE_SPECIAL = re.compile(r"[*`\[\]~]|(?<![^\W_])_|_(?![^\W_])|<(?=[A-Za-z/!?])")
FOOTNOTE_MARK = re.compile(r"\[\^[\w-]+\]")
LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|>|=+\s*$|[-+](?=\s|$)|-(?=-)|\d{1,9}(?=[.)](?:\s|$)))")
HEADING_CLOSE = re.compile(r"(\s)(#+)$")
SPECIAL = re.compile(r"[\\&*`\[\]~_<|]")  # anything the three escapes below would touch


def _escape(match: re.Match) -> str:
    # "&lt;" rather than "\<": a "<div>" in the output would make it read as HTML next time.
    return "&lt;" if match.group(0) == "<" else "\\" + match.group(0)


def _escape_plain(text: str, in_table: bool) -> str:
    if not SPECIAL.search(text):
        return text  # most text, and nearly all Chinese text
    text = BACKSLASH.sub(r"\\\\", text)
    text = ENTITY.sub(r"\\&", text)
    text = INLINE_SPECIAL.sub(_escape, text)
    return text.replace("|", "\\|") if in_table else text


def escape_text(text: str, in_table: bool = False) -> str:
    """Backslash-escape inline text so that it stays text; ``[^1]`` footnote marks stay bare."""
    if "[^" not in text:
        return _escape_plain(text, in_table)
    parts, last = [], 0
    for match in FOOTNOTE_MARK.finditer(text):
        parts.append(_escape_plain(text[last : match.start()], in_table))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_escape_plain(text[last:], in_table))
    return "".join(parts)


def escape_line_start(line: str) -> str:
    """What would start a block at the start of a line (``# ``, ``> ``, ``1) ``, ``- ``)."""
    match = LINE_START.match(line)
    if not match:
        return line
    if match.group(0)[0].isdigit():
        end = match.end()
        return line[:end] + "\\" + line[end:]
    return "\\" + line


def backtick_fence(content: str, least: int) -> str:
    """A backtick run longer than any run inside ``content`` (CommonMark allows any length)."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    return "`" * max(least, longest + 1)


def code_span(content: str) -> str:
    content = " ".join(content.split("\n"))
    if not content.strip():
        return ""
    fence = backtick_fence(content, 1)
    pad = " " if content[0] == "`" or content[-1] == "`" or (content[0] == content[-1] == " ") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


# CommonMark renderers refuse these URLs and show the Markdown as text (markdown-it: all
# data: URLs but a few raster images; cleaning already drops those as inline blobs).
UNSAFE_URL = re.compile(r"\s*(?:javascript|vbscript|file|data):", re.I)


AUTOLINK = re.compile(r"https?://[^\s<>]+$")


def safe_url(url: str) -> str:
    return quote(url.strip(), safe="/:?#[]@!$&'*+,;=%~-._")


# --- tree normalisation -------------------------------------------------------------------


def prepare(root) -> None:
    """Make the tree writable as CommonMark that renders back to the same text."""
    elements = list(iter_elements(root))
    # Emphasis innermost first: nested emphasis collapses into one, and each step moves
    # only a small subtree (outermost first is quadratic in the nesting depth).
    for element in reversed(elements):
        if element.tag in EMPHASIS and element.getparent() is not None:
            _fix_emphasis(element)
    for element in elements:
        if element.getparent() is None:
            continue
        name = element.tag
        if name in EMPHASIS:
            continue
        elif name in ("td", "th"):
            _flatten(element)
        elif name in HEADINGS:
            _flatten(element, emphasis=True)
        elif name == "a":
            if any(is_element(c) and c.tag in BLOCK_TAGS for c in element.iter()):
                _link_into_blocks(element)
            else:
                _flatten(element)
        elif name == "figcaption":
            element.tag = "p"  # a caption is a line of its own under its image


def _flatten(element, emphasis: bool = False) -> None:
    """One line: breaks (and blocks, and emphasis in headings) inside become spaces."""
    for inner in list(element.iter()):
        if inner is element or not is_element(inner):
            continue
        if inner.tag == "br":
            inner.tail = " " + (inner.tail or "")
            remove(inner)
        elif inner.tag in BLOCK_TAGS or (emphasis and inner.tag in EMPHASIS):
            if inner.tag in BLOCK_TAGS:
                inner.text = " " + (inner.text or "")
                inner.tail = " " + (inner.tail or "")
            unwrap(inner)


def _link_into_blocks(link) -> None:
    """``<a><h2>Title</h2><p>Lead</p></a>``: the link goes inside each block, which stays a block.

    Through containers too (``<a><figure><img><h2>``), down to the blocks that hold only
    inline content; inline content beside the blocks keeps a link of its own.
    """
    work = [link]
    while work:
        link = work.pop()
        children, run, runs = list(link), None, []
        if (link.text or "").strip(EDGE):
            run = _link_like(link)
            run.text, link.text = link.text, None
            link.insert(0, run)
            runs.append(run)
        for child in children:
            if not (is_element(child) and child.tag in BLOCK_TAGS):
                if run is None:
                    run = _link_like(link)
                    child.addprevious(run)
                    runs.append(run)
                run.append(child)  # with its tail
                continue
            run = None
            if child.tag not in ("table", "pre", "hr"):
                inner = _link_like(link)
                inner.text, child.text = child.text, None
                for node in list(child):
                    inner.append(node)
                child.append(inner)
                work.append(inner) if _contains_block(inner) else _flatten(inner)
            if (child.tail or "").strip(EDGE):
                run = _link_like(link)
                run.text, child.tail = child.tail, None
                child.addnext(run)
                runs.append(run)
        for run in runs:
            _flatten(run)  # link text is one line
        unwrap(link)


def _link_like(link):
    copy = new_element(link.tag)
    copy.attrib.update(link.attrib)
    return copy


def _fix_emphasis(element) -> None:
    """Move edge punctuation and spaces out of emphasis when it could not open or close there.

    CommonMark opens ``**`` before punctuation only after a space or punctuation, and
    closes it after punctuation only before one, so ``前文**“引号”**后文`` would show
    its asterisks; ``前文“**引号**”后文`` renders as meant, and ``~~$20~~`` stays whole.
    """
    inside = [e for e in element.iter() if e is not element and is_element(e)]
    if any(e.tag in BLOCK_TAGS or e.tag in EMPHASIS for e in inside) or _has_ancestor(
        element, (*EMPHASIS, "pre", "code", *HEADINGS)
    ):
        unwrap(element)
        return
    head = element.text or ""
    lead = LEAD.match(head)
    holder, slot = (element[-1], "tail") if len(element) else (element, "text")
    trail = TRAIL.search(getattr(holder, slot) or "")
    # Both edges move when either must, so a quotation stays whole: 前文“**引号**”后文.
    move = (lead and not _can_stay(lead.group(0), _text_before(element), False)) or (
        trail and not _can_stay(trail.group(0), _text_after(element), True)
    )
    if lead and move:
        element.text = head[lead.end() :] or None
        moved = lead.group(0)
        if _starts_block(element):
            moved = moved.lstrip(EDGE)
        if moved:
            append_text_before(element, moved)
    value = getattr(holder, slot) or ""  # the lead may have gone with it
    trail = TRAIL.search(value)
    if trail and move:
        setattr(holder, slot, value[: trail.start()] or None)
        element.tail = trail.group(0) + (element.tail or "")
    if not text_of(element).strip(EDGE) or not _edges_can_close(element):
        unwrap(element)


def _edges_can_close(element) -> bool:
    """An element at an emphasis edge (a link, code) writes punctuation there: ``)`` or `````."""
    if not len(element):
        return True
    first, last = element[0], element[-1]
    starts = not (element.text or "").strip(EDGE)
    if starts and (first.tag == "br" or not _open(_text_before(element), False)):
        return False
    ends = not (last.tail or "").strip(EDGE)
    return not ends or (last.tag != "br" and _open(_text_after(element), True))


def _can_stay(edge: str, beside: str | None, after: bool) -> bool:
    """True when punctuation at an emphasis edge can stay inside the delimiter.

    Spaces never can; punctuation can when the text beside the delimiter (``beside``;
    None when an element comes first) is a space, punctuation or the block's edge.
    """
    return edge.strip(EDGE) == edge and _open(beside, after)


def _open(beside: str | None, after: bool) -> bool:
    """True when ``beside`` (None: an element) ends (starts, ``after``) a run of text."""
    if beside is None:
        return False
    return not beside or bool(PUNCT_OR_SPACE.match(beside[0] if after else beside[-1]))


# Written with punctuation at both ends (``[...](...)``, ``![...](...)``, backticks, ``\``):
# emphasis may open or close right beside them.
PUNCTUATED = frozenset(("a", "img", "code", "kbd", "samp", "br"))


def _text_before(element) -> str | None:
    """The text just before ``element`` in its block, or None when an element comes first."""
    previous = element.getprevious()
    if previous is not None:
        return previous.tail or ("" if previous.tag in PUNCTUATED else None)
    parent = element.getparent()
    if parent.tag in BLOCK_TAGS:
        return parent.text or ""
    return parent.text or None


def _text_after(element) -> str | None:
    """The text just after ``element`` in its block, or None when an element comes next."""
    if element.tail:
        return element.tail
    following = element.getnext()
    if following is not None:
        return "" if following.tag in PUNCTUATED else None
    return "" if element.getparent().tag in BLOCK_TAGS else None


def _has_ancestor(element, names) -> bool:
    node = element.getparent()
    while node is not None:
        if node.tag in names:
            return True
        node = node.getparent()
    return False


def _starts_block(element) -> bool:
    """True when only blank text or a <br> comes before ``element`` in its block."""
    previous = element.getprevious()
    while previous is not None and not is_element(previous):
        if (previous.tail or "").strip(EDGE):
            return False
        previous = previous.getprevious()
    if previous is None:
        parent = element.getparent()
        return parent.tag in BLOCK_TAGS and not (parent.text or "").strip(EDGE)
    return previous.tag == "br" and not (previous.tail or "").strip(EDGE)


# --- the walk -----------------------------------------------------------------------------

SPACES = re.compile(r"[ \t\n\r\f\v]+")
ODD_SPACE = re.compile(r"[\t\n\r\f\v]| {2}")
BREAKS = re.compile(BREAK + r"(?:[ \t\n]*" + BREAK + ")+")
PARAGRAPH_BREAK = re.compile(r"[ \t\n]*" + BREAK + r"[ \t\n]*" + BREAK + r"[ \t\n]*")


def _language(pre) -> str:
    """A code block's language from class="language-x" / "lang-x" on <pre> or <code>."""
    for tag in (pre, pre.find("code")):
        for cls in (tag.get("class") or "").split() if tag is not None else []:
            match = re.match(r"(?:language|lang)-([\w+#.-]+)$", cls)
            if match:
                return match.group(1)
    return ""


def _indent(block: str, first: str, rest: str) -> str:
    """Prefix the first line with ``first`` and the others with ``rest`` (blank lines with its
    non-space part: nothing under a list marker, ``>`` in a quote, which a bare blank line ends)."""
    lines = block.split("\n")
    blank = rest.rstrip()
    out = [first + lines[0] if lines[0] else first.rstrip()]
    out.extend(rest + line if line else blank for line in lines[1:])
    return "\n".join(out)


# Inline elements that prepare() leaves without blocks inside (or that hold none).
FLAT_INLINE = frozenset(("a", "br", "img", "code", "sup", "sub", *EMPHASIS))
NESTED_LIST = re.compile(r"^(?:[-*]|1[.)])(?: |$)")


def _join_item(body: list[str]) -> str:
    """A list item's blocks; a list right after its first paragraph stays tight (no blank line).

    Only a bullet list or one starting at 1 can follow a paragraph line directly.
    """
    if len(body) == 2 and NESTED_LIST.match(body[1]) and not body[0].startswith(("```", "#", ">", "|")):
        return body[0] + "\n" + body[1]
    return "\n\n".join(body)


def _contains_block(element) -> bool:
    return any(e is not element and e.tag in BLOCK_TAGS for e in element.iter(*BLOCK_TAGS))


class Writer:
    """Writes one body; ``blocks`` returns Markdown blocks (joined by blank lines)."""

    def __init__(self, links: bool, images: bool):
        self.links = links
        self.images = images
        self.last_list = ""  # the delimiter of the list written last, while nothing followed it

    # blocks

    def blocks(self, element, depth: int = 0) -> list[str]:
        """The blocks inside a container: runs of inline content become paragraphs."""
        if depth > MAX_DEPTH:
            from .render import to_text

            return [self.paragraph(escape_text(part)) for part in to_text(element).split("\n\n")]
        out: list[str] = []
        run: list[str] = []
        if element.text:
            run.append(escape_text(element.text))
        for child in element:
            if is_element(child):
                name = child.tag
                if name in BLOCK_TAGS or (name not in FLAT_INLINE and _contains_block(child)):
                    self.flush(run, out)
                    out.extend(self.block(child, depth + 1))
                elif name == "br":
                    run.append(BREAK)
                else:
                    run.append(self.inline(child, depth + 1))
            if child.tail:
                run.append(escape_text(child.tail))
        self.flush(run, out)
        return out

    def flush(self, run: list[str], out: list[str]) -> None:
        """The inline run so far as paragraphs (two breaks in a row end one)."""
        if not run:
            return
        text = "".join(run)
        run.clear()
        for part in PARAGRAPH_BREAK.split(text) if BREAK in text else (text,):
            paragraph = self.paragraph(part)
            if paragraph:
                out.append(paragraph)
                self.last_list = ""

    def paragraph(self, text: str) -> str:
        if ODD_SPACE.search(text):
            text = SPACES.sub(" ", text)
        if BREAK not in text:
            return escape_line_start(text.strip(" "))
        text = BREAKS.sub(BREAK, text).strip(" " + BREAK)
        lines = [line.strip(" ") for line in text.split(BREAK)]
        return "\\\n".join(escape_line_start(line) for line in lines if line)

    def block(self, element, depth: int) -> list[str]:
        """One block element; a list remembers its delimiter, any other leaf block forgets it."""
        name = element.tag
        if name in LISTS:
            written = self.list_block(element, depth)
            return [written] if written else []
        if name not in LEAF_BLOCKS:  # a container (or an inline element holding blocks)
            return self.blocks(element, depth)
        written = self.leaf_block(element, depth)
        if written:
            self.last_list = ""
        return written

    def leaf_block(self, element, depth: int) -> list[str]:
        name = element.tag
        if name in HEADINGS:
            text = HEADING_CLOSE.sub(r"\1\\\2", self.inline_line(element, depth))
            return ["#" * int(name[1]) + " " + text] if text else []
        if name == "pre":
            return [self.code_block(element)]
        if name == "blockquote":
            inner = "\n\n".join(self.blocks(element, depth))
            return [_indent(inner, "> ", "> ")] if inner else []
        if name == "table":
            return self.table(element, depth)
        if name == "hr":
            return ["---"]
        return self.definitions(element, depth)

    def list_block(self, element, depth: int) -> str:
        """Items under ``-`` (or ``1.``); a list right after another takes the other delimiter."""
        ordered = element.tag == "ol"
        kind = ("." if self.last_list != "." else ")") if ordered else ("-" if self.last_list != "-" else "*")
        self.last_list = ""
        try:
            number = int(element.get("start") or 1)
        except ValueError:
            number = 1
        items, loose = [], False
        for item in element:
            if not is_element(item):
                continue
            if item.tag == "li":
                body = self.blocks(item, depth + 1)
            elif item.tag in BLOCK_TAGS:
                body = self.block(item, depth + 1)
            else:  # inline content straight inside the list (scrapers drop the <li>)
                line = self.paragraph(self.inline(item, depth + 1) + escape_text(item.tail or ""))
                body = [line] if line else []
            if not body:
                continue
            if item.get("value", "").isdigit():
                number = int(item.get("value"))
            marker = f"{number}{kind} " if ordered else f"{kind} "
            number += 1
            content = _join_item(body)
            loose = loose or "\n\n" in content
            items.append(_indent(content, marker, " " * len(marker)))
        self.last_list = kind if items else self.last_list
        return ("\n\n" if loose else "\n").join(items)

    def code_block(self, pre) -> str:
        content = code_text(pre).strip("\n")
        fence = backtick_fence(content, 3)
        return f"{fence}{_language(pre)}\n{content}\n{fence}" if content else f"{fence}\n{fence}"

    def definitions(self, element, depth: int) -> list[str]:
        """``<dl>``: the term on a line, each definition after it as ``: text`` (Pandoc's form)."""
        out: list[str] = []
        for child in element:
            if not is_element(child):
                continue
            if child.tag == "dd":
                body = self.blocks(child, depth + 1)
                if body:
                    out.append(": " + body[0])
                    out.extend(body[1:])
            elif child.tag == "div":  # HTML lets a <div> group a term with its definitions
                out.extend(self.definitions(child, depth + 1))
            else:
                out.extend(self.blocks(child, depth + 1))
        return out

    def table(self, element, depth: int) -> list[str]:
        out = []
        caption = element.find("caption")
        if caption is not None:
            out.extend(self.blocks(caption, depth + 1))
        rows = self.grid(element, depth)
        if rows:
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            lines = [_row(rows[0]), "|" + " --- |" * width]
            lines.extend(_row(r) for r in rows[1:])
            out.append("\n".join(lines))
        return out

    def grid(self, table, depth: int) -> list[list[str]]:
        """Cell texts row by row, a spanning cell followed (or continued) by empty cells."""
        rows: list[list[str]] = []
        spans: dict[int, int] = {}  # column -> rows a rowspan still covers
        for tr in self.rows(table):
            row: list[str] = []
            for cell in tr:
                if not is_element(cell) or cell.tag not in ("td", "th"):
                    continue
                while spans.get(len(row)):
                    spans[len(row)] -= 1
                    row.append("")
                colspan = _span(cell.get("colspan"), 100)
                rowspan = _span(cell.get("rowspan"), 1000)
                for k in range(colspan):
                    if rowspan > 1:
                        spans[len(row) + k] = rowspan - 1
                row.append(self.inline_line(cell, depth, in_table=True))
                row.extend([""] * (colspan - 1))
            while spans and len(row) <= max(spans) and spans.get(len(row)):
                spans[len(row)] -= 1
                row.append("")
            rows.append(row)
        return [r for r in rows if r]

    def rows(self, table):
        for child in table:
            if not is_element(child):
                continue
            if child.tag == "tr":
                yield child
            elif child.tag in TABLE_PARTS:
                yield from (tr for tr in child if is_element(tr) and tr.tag == "tr")

    # inline

    def inline_line(self, element, depth: int, in_table: bool = False) -> str:
        """An element's content on one line (headings, table cells)."""
        parts = [escape_text(element.text, in_table)] if element.text else []
        for child in element:
            if is_element(child):
                parts.append(" " if child.tag == "br" else self.inline(child, depth + 1, in_table))
            if child.tail:
                parts.append(escape_text(child.tail, in_table))
        return SPACES.sub(" ", "".join(parts).replace(BREAK, " ")).strip(" ")

    def inline(self, element, depth: int, in_table: bool = False) -> str:
        name = element.tag
        if not isinstance(name, str):
            return ""
        if depth > MAX_DEPTH:
            return escape_text(text_of(element), in_table)
        if name == "img":
            return self.image(element)
        if name == "br":
            return BREAK
        if name == "code" or name == "kbd" or name == "samp":
            span = code_span(text_of(element))
            return span.replace("|", "\\|") if in_table else span
        if name == "sup" or name == "sub":
            return escape_text(script_text(text_of(element), name == "sup"), in_table)
        inner = self.inner(element, depth, in_table)
        if name in MARKS:
            return f"{MARKS[name]}{inner}{MARKS[name]}" if inner.strip() else inner
        if name == "a":
            return self.link(element, inner)
        if name == "q":
            return f"“{inner}”"
        return inner

    def inner(self, element, depth: int, in_table: bool) -> str:
        parts = [escape_text(element.text, in_table)] if element.text else []
        for child in element:
            if is_element(child):
                parts.append(self.inline(child, depth + 1, in_table))
            if child.tail:
                parts.append(escape_text(child.tail, in_table))
        return BREAKS.sub(BREAK, "".join(parts))

    def link(self, element, inner: str) -> str:
        href = element.get("href")
        if not self.links or not href or not inner.strip() or UNSAFE_URL.match(href):
            return inner
        core, url = inner.strip(), safe_url(href)
        head, tail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
        if url == href and AUTOLINK.match(url) and text_of(element).strip() == url:
            return f"{head}<{url}>{tail}"  # a bare URL shown as itself
        return f"{head}[{core}]({url}){tail}"  # spaces at the edges stay outside

    def image(self, element) -> str:
        src = element.get("src")
        if not self.images or not src or UNSAFE_URL.match(src):
            return ""
        alt = " ".join(re.sub(r"[*_`<>]+", " ", element.get("alt") or "").split())
        return f"![{escape_text(alt)}]({safe_url(src)})"


def _row(cells: list[str]) -> str:
    return "|" + "".join(f" {cell} |" if cell else " |" for cell in cells)


def _span(value: str | None, limit: int) -> int:
    try:
        return min(max(int(value or 1), 1), limit)
    except ValueError:
        return 1


def to_markdown(root, links: bool = True, images: bool = True) -> str:
    """The body as CommonMark (with GFM pipe tables); ``root`` is modified in place."""
    prepare(root)
    blocks = Writer(links, images).blocks(root)
    return "\n\n".join(blocks) + "\n" if blocks else ""
