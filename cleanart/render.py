"""Stage 4, render: the cleaned tree as Markdown, plain text, JSON or HTML.

Markdown comes from html2text, configured and lightly extended so the result is
CommonMark that renders back to the same text: no hard wrapping, no space injected
after emphasis (it shows in Chinese), emphasis that can always close (punctuation
moved outside ``**``), escapes for text that would otherwise turn into markup, pipe
tables whose cells stay on one line, and ``\\`` hard breaks instead of trailing spaces.
Plain text is rendered from the tree directly.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import quote

import yaml
from lxml import etree

from .dom import BLOCK_TAGS, append_text_before, is_element, iter_elements, remove, text_of, unwrap
from .text import EDGE, tidy

# --- plain text --------------------------------------------------------------------------

PARA, LINE, BREAK, CELL = object(), object(), object(), object()


class Verbatim(str):
    """Preformatted text: kept line by line."""


LIST_TAGS = ("ul", "ol", "dl")


def to_text(root, keep_indent: bool = False) -> str:
    """Blocks separated by a blank line; list items and table rows one per line."""
    tokens: list = []
    context = {"list": 0, "table": 0}
    if root.text:
        tokens.append(root.text)
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, node in walker:
        if node is root:
            continue
        if not is_element(node):
            if event == "end" and node.tail:
                tokens.append(node.tail)
            continue
        name = node.tag
        if event == "start":
            if name == "br":
                tokens.append(" " if context["table"] else BREAK)
            elif name == "pre":
                tokens.extend((PARA, Verbatim(text_of(node).strip("\n")), PARA))
                walker.skip_subtree()
                if node.tail:
                    tokens.append(node.tail)
                continue
            elif name != "img":
                _open(node, tokens, context)
                context["list"] += name in LIST_TAGS
                context["table"] += name == "table"
                if node.text:
                    tokens.append(node.text)
            continue
        if name == "pre":
            continue  # its tail was taken at the start (the walk skipped its subtree)
        if name not in ("br", "img"):
            context["list"] -= name in LIST_TAGS
            context["table"] -= name == "table"
            _close(node, tokens, context)
        if node.tail:
            tokens.append(node.tail)
    return _assemble(tokens, keep_indent)


def _open(node, tokens: list, context: dict) -> None:
    name = node.tag
    if name in ("td", "th"):
        if context.get("cells"):
            tokens.append(CELL)
        context["cells"] = context.get("cells", 0) + 1
    elif name == "tr" or (name == "li" and context["list"]) or (name in ("dt", "dd") and context["list"]):
        tokens.append(LINE)
    elif name in BLOCK_TAGS:
        if context["table"]:
            tokens.append(" ")
        elif context["list"] and name not in ("ul", "ol", "dl"):
            tokens.append(LINE)
        else:
            tokens.append(PARA)


def _close(node, tokens: list, context: dict) -> None:
    name = node.tag
    if name in ("tr", "li", "dt", "dd"):
        tokens.append(LINE)
        context["cells"] = 0
    elif name in BLOCK_TAGS:
        if context["table"] and name not in ("table",):
            tokens.append(" ")
        elif context["list"] and name not in ("ul", "ol", "dl"):
            tokens.append(LINE)
        else:
            tokens.append(PARA)


def _assemble(tokens: list, keep_indent: bool) -> str:
    blocks: list[str] = []
    lines: list[str] = []
    current: list = []
    breaks = 0

    def flush_line():
        if not current:
            return
        cells = "".join(current).split("\x00")
        line = "\t".join(tidy(c, keep_indent) for c in cells)
        current.clear()
        if line.strip("\t" + EDGE):
            lines.append(line)

    def flush_block():
        flush_line()
        if lines:
            blocks.append("\n".join(lines))
            lines.clear()

    for token in tokens:
        if token is PARA:
            flush_block()
            breaks = 0
        elif token is LINE:
            flush_line()
            breaks = 0
        elif token is BREAK:
            breaks += 1
            if breaks >= 2:
                flush_block()
            else:
                flush_line()
        elif token is CELL:
            current.append("\x00")
        elif isinstance(token, Verbatim):
            flush_block()
            if token.strip():
                blocks.append(token)
        else:
            if token.strip(EDGE):
                breaks = 0
            current.append(token)
    flush_block()
    return "\n\n".join(blocks)


# --- Markdown ----------------------------------------------------------------------------

EMPHASIS = ("strong", "b", "em", "i", "del", "s", "strike")
FULLWIDTH_SPACE = "\u3000"
PLACEHOLDER = "\ue000"


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
LEAD = re.compile(r"^[\s\u3000\xa0\W_]+")
TRAIL = re.compile(r"[\s\u3000\xa0\W_]+$")


def prepare_markdown(root) -> None:
    """Make the tree convertible to CommonMark that renders back to the same text."""
    for element in list(iter_elements(root)):
        if element.getparent() is None:
            continue
        name = element.tag
        if name in EMPHASIS:
            _fix_emphasis(element)
        elif name in ("td", "th"):
            _flatten_cell(element)
        elif name == "a" and element.get("href"):
            element.set("href", _safe_url(element.get("href")))
        elif name == "img":
            if element.get("src"):
                element.set("src", _safe_url(element.get("src")))
            if element.get("alt"):
                # html2text does not escape emphasis characters in alt text.
                element.set("alt", " ".join(re.sub(r"[*_`<>]+", " ", element.get("alt")).split()))
        elif name == "figcaption":
            element.tag = "p"  # a caption is a line of its own under its image
        elif name in HEADINGS:
            for inner in list(element.iter(*EMPHASIS, "br")):
                if inner is element:
                    continue
                if inner.tag == "br":
                    _replace_with_space(inner)
                else:
                    unwrap(inner)


def _safe_url(url: str) -> str:
    return quote(url.strip(), safe="/:?#[]@!$&'*+,;=%~-._")


def _fix_emphasis(element) -> None:
    """Move edge punctuation and spaces out of emphasis, or drop emphasis that cannot close.

    CommonMark only opens ``**`` before a letter (or after a space) and only closes
    it after one, so ``前文**“引号”**后文`` would show its asterisks; ``前文“**引号**”后文``
    renders as meant.
    """
    inside = [e for e in element.iter() if e is not element and is_element(e)]
    if any(e.tag in BLOCK_TAGS or e.tag in EMPHASIS for e in inside) or _has_ancestor(
        element, (*EMPHASIS, "pre", "code", *HEADINGS)
    ):
        unwrap(element)
        return
    head = element.text or ""
    if len(element) and (not head.strip(EDGE) or not (element[-1].tail or "").strip(EDGE)):
        unwrap(element)  # starts or ends with an element (a link, an image, a break)
        return
    lead = LEAD.match(head)
    if lead:
        element.text = head[lead.end() :] or None
        moved = lead.group(0)
        if _starts_block(element):
            moved = moved.lstrip(EDGE)
        if moved:
            append_text_before(element, moved)
    holder, slot = (element[-1], "tail") if len(element) else (element, "text")
    value = getattr(holder, slot) or ""
    trail = TRAIL.search(value)
    if trail:
        setattr(holder, slot, value[: trail.start()] or None)
        element.tail = trail.group(0) + (element.tail or "")
    if not text_of(element).strip(EDGE):
        unwrap(element)


def _has_ancestor(element, names) -> bool:
    node = element.getparent()
    while node is not None:
        if node.tag in names:
            return True
        node = node.getparent()
    return False


def _replace_with_space(element) -> None:
    element.tail = " " + (element.tail or "")
    remove(element)  # keeps the tail


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


def _flatten_cell(cell) -> None:
    """A pipe-table cell holds one line: breaks and blocks inside become spaces."""
    for inner in list(cell.iter()):
        if inner is cell or not is_element(inner):
            continue
        if inner.tag == "br":
            _replace_with_space(inner)
        elif inner.tag in BLOCK_TAGS:
            inner.text = " " + (inner.text or "")
            inner.tail = " " + (inner.tail or "")
            unwrap(inner)


ENTITY = re.compile(r"&(?=#?\w+;)")
ASCII_PUNCT = re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
BACKSLASH = re.compile(rf"\\(?=[{ASCII_PUNCT}])")
# "_" only stays bare inside a word (snake_case); "<" before a letter would be raw HTML.
INLINE_SPECIAL = re.compile(r"([*`\[\]~])|(?<![^\W_])_|_(?![^\W_])|<(?=[A-Za-z/!?])")
LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|=+\s*$)", re.M)


def escape_markdown(data: str, in_table: bool = False) -> str:
    """Backslash-escape text so that it stays text in CommonMark (and GFM tables)."""
    from html2text.config import RE_MD_DASH_MATCHER, RE_MD_DOT_MATCHER, RE_MD_PLUS_MATCHER

    data = BACKSLASH.sub(r"\\\\", data)
    data = INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), data)
    data = ENTITY.sub(r"\\&", data)
    data = LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), data)
    data = RE_MD_DOT_MATCHER.sub(r"\1\\\2", data)
    data = RE_MD_PLUS_MATCHER.sub(r"\1\\\2", data)
    data = RE_MD_DASH_MATCHER.sub(r"\1\\\2", data)
    if in_table:
        data = data.replace("|", "\\|")
    return data


def _converter(links: bool, images: bool):
    import html2text

    class Converter(html2text.HTML2Text):
        """html2text without its emphasis spacing, with complete escaping."""

        table_depth = 0

        def handle_tag(self, tag, attrs, start):
            if tag == "table":
                self.table_depth += 1 if start else -1
                if start:
                    self.p()
                    self.o(TABLE_MARK)
                    self.p()
            super().handle_tag(tag, attrs, start)
            if tag == "table" and not start:
                self.p()
                self.o(TABLE_MARK)
                self.p()

        def __init__(self):
            super().__init__()
            # Whole decoded strings reach handle_data, so "&lt;div&gt;" is escaped as text.
            self.convert_charrefs = True

        def handle_data(self, data, entity_char=False):
            self.preceding_stressed = False  # html2text would insert a space here
            if data and not entity_char and not self.code and not self.pre:
                data = escape_markdown(data, self.table_depth > 0)
            super().handle_data(data, entity_char=True)
            # html2text puts a space before emphasis that follows a letter; "*" emphasis
            # needs none (and in CJK text it shows). Only "**" after "*" needs one.
            self.preceding_data = "*" if data.endswith("*") else " "

    h = Converter()
    h.body_width = 0
    h.unicode_snob = True
    h.ul_item_mark = "-"
    h.emphasis_mark = "*"
    h.strong_mark = "**"
    h.backquote_code_style = True
    h.mark_code = False
    h.pad_tables = False
    h.inline_links = True
    h.skip_internal_links = True
    h.protect_links = False
    h.use_automatic_links = True
    h.wrap_links = False
    h.wrap_list_items = False
    h.wrap_tables = False
    h.default_image_alt = ""
    h.images_with_size = False
    h.ignore_links = not links
    h.ignore_images = not images
    h.open_quote = "“"
    h.close_quote = "”"
    return h


FENCE = re.compile(r"^(```|~~~)")
TABLE_MARK = "\ue001"  # written around tables by the converter, removed by tidy_markdown
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\S")
CELL_SPLIT = re.compile(r"(?<!\\)\|")
DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _tidy_tables(lines: list[str]) -> list[str]:
    """Pipe-table rows written one way, ``| a | b |``, even for one column."""
    out: list[str] = []
    in_table = False
    for line in lines:
        if line.strip() == TABLE_MARK:
            in_table = not in_table
            while out and not out[-1].strip() and in_table is False:
                out.pop()
            continue
        if not in_table or not line.strip():
            out.append(line)
            continue
        body = line.strip()
        if body.endswith("\\") and not body.endswith("\\\\"):
            body = body[:-1].rstrip()  # html2text's trailing double space, made a hard break
        cells = [c.strip() for c in CELL_SPLIT.split(body)]
        if DELIMITER_ROW.match(body) or re.fullmatch(r"-{3,}", body):
            cells = ["---"] * len(cells)
        out.append("| " + " | ".join(cells) + " |")
    return out


def to_markdown(root, links: bool = True, images: bool = True) -> str:
    """The body as CommonMark (with GFM pipe tables); ``root`` is modified in place."""
    prepare_markdown(root)
    languages = [_language(pre) for pre in root.iter("pre")]
    html = etree.tostring(root, encoding="unicode", method="html", with_tail=False)
    html = html.replace(FULLWIDTH_SPACE, PLACEHOLDER)
    markdown = _converter(links, images).handle(html)
    return tidy_markdown(markdown, languages).replace(PLACEHOLDER, FULLWIDTH_SPACE)


def _language(pre) -> str:
    """A code block's language from class="language-x" / "lang-x" on <pre> or <code>."""
    for tag in (pre, pre.find("code")):
        for cls in (tag.get("class") or "").split() if tag is not None else []:
            match = re.match(r"(?:language|lang)-([\w+#.-]+)$", cls)
            if match:
                return match.group(1)
    return ""


def tidy_markdown(markdown: str, languages: list[str] | None = None) -> str:
    """Hard breaks as backslashes, no trailing spaces, one blank line between blocks."""
    out: list[str] = []
    fenced = False
    languages = list(languages or [])
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if FENCE.match(line.lstrip()):
            if fenced:
                while (
                    out and not out[-1].strip() and not FENCE.match(out[-2].lstrip() if len(out) > 1 else "")
                ):
                    out.pop()  # no blank lines at the end of a code block
            else:
                if out and out[-1].strip():
                    out.append("")
                line = line.rstrip() + (languages.pop(0) if languages else "")
            fenced = not fenced
            out.append(line.rstrip())
            continue
        if fenced:
            out.append(line)
            continue
        if line.endswith("  ") and line.strip():
            following = lines[i + 1] if i + 1 < len(lines) else ""
            stripped = line.rstrip()
            if following.strip() and following.strip() != TABLE_MARK and not FENCE.match(following.lstrip()):
                out.append(stripped + "\\")
                continue
        if (
            LIST_ITEM.match(line)
            and out
            and out[-1].strip()
            and not (LIST_ITEM.match(out[-1]) or out[-1].startswith((" ", "\t")))
        ):
            out.append("")  # a list starts a block of its own
        out.append(line.rstrip())
    text = "\n".join(_tidy_tables(out))
    text = re.sub(r"^(>+) {2,3}(?=\S)", r"\1 ", text, flags=re.M)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n" if text.strip() else ""


# --- front matter, JSON, HTML --------------------------------------------------------------

FIRST_KEYS = (
    "title",
    "date",
    "updated",
    "author",
    "categories",
    "tags",
    "image",
    "url",
    "language",
    "credits",
    "sources",
    "original_title",
)
ALIASES = {
    "image": ("headimg", "thumbnail", "cover", "banner", "featured_image", "top_img"),
    "url": ("link", "permalink", "original_url", "canonical"),
    "updated": ("lastmod", "modified"),
    "categories": ("category",),
    "tags": ("tag",),
}


def header_fields(meta: dict[str, Any], front_matter: dict[str, Any]) -> dict[str, Any]:
    """Normalised fields first, then the header's other keys (aliases equal to a field dropped)."""
    fields = {k: meta[k] for k in FIRST_KEYS if meta.get(k) not in (None, "", [])}
    for key, value in front_matter.items():
        if key in fields or key in FIRST_KEYS:
            continue
        alias_of = next((f for f, names in ALIASES.items() if key in names), None)
        if alias_of and (fields.get(alias_of) == value or (alias_of in fields and not value)):
            continue
        fields[key] = value
    return fields


def yaml_header(fields: dict[str, Any]) -> str:
    dumped = yaml.safe_dump(
        fields, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1_000_000
    )
    return f"---\n{dumped}---\n"


def to_json(record: dict[str, Any], pretty: bool = False) -> str:
    if pretty:
        return json.dumps(record, ensure_ascii=False, indent=2)
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def to_html(root) -> str:
    """The cleaned fragment: the container's content, one top-level node per line."""
    parts = []
    if root.text and root.text.strip():
        parts.append(escape(root.text.strip()))
    for child in root:
        piece = etree.tostring(child, encoding="unicode", method="html", with_tail=False)
        parts.append(piece)
        if child.tail and child.tail.strip():
            parts.append(escape(child.tail.strip()))
    return "\n".join(parts) + ("\n" if parts else "")
