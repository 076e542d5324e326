"""Stage 4, render: the cleaned tree as Markdown, plain text, JSON or HTML.

Markdown is written by cleanart.markdown's tree walker; plain text is rendered from
the tree directly here.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import yaml
from lxml import etree

from .dom import BLOCK_TAGS, code_text, is_element, text_of
from .text import EDGE, script_text, tidy

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
                tokens.extend((PARA, Verbatim(code_text(node).strip("\n")), PARA))
                walker.skip_subtree()
                if node.tail:
                    tokens.append(node.tail)
                continue
            elif name in ("sup", "sub"):
                tokens.append(script_text(text_of(node), name == "sup"))
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
        if name in ("pre", "sup", "sub"):
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
        if name == "dd":
            tokens.append(": ")  # a definition under its term, as the Markdown writes it
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


def to_markdown(root, links: bool = True, images: bool = True) -> str:
    """The body as CommonMark (with GFM pipe tables); ``root`` is left as it is.

    The Markdown writer normalises a tree before writing it (emphasis edges, links
    around blocks, one-line table cells), so it works on a copy: rendering never
    changes the cleaned tree, whatever format is rendered first or how often."""
    from copy import deepcopy

    from .markdown import to_markdown as write

    return write(deepcopy(root), links, images)


# --- front matter, JSON, HTML --------------------------------------------------------------


def yaml_header(fields: dict[str, Any]) -> str:
    # libyaml's dumper when PyYAML has it: the pure-Python one cost a fifth of a conversion.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumped = yaml.dump(
        fields,
        Dumper=dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
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
