"""Whole pages: content a server streamed after the page, put where it belongs.

React's server renderer (Next.js and others) sends a slow part of a page later: in
its place a placeholder, ``<template id="B:0">`` followed by a fallback ("Loading
paragraph...", an empty skeleton), and at the end of the body the real content in
``<div hidden id="S:0">``, which a script (``$RC("B:0","S:0")``) moves into the
placeholder.  A saved page never ran the script: its article is hidden at the bottom
and the fallback stands where the article was.  Do the move.  ``<template id="P:1">``
is a plain placeholder of segment S:1 (``$RS``), with no fallback.
"""

from __future__ import annotations

import re

from lxml import etree

from ..dom import append_text_before, is_element, remove, text_length

SEGMENTS = etree.XPath('.//@id[starts-with(., "S:")]/parent::div[@hidden]')
# The script calls that pair a placeholder with its segment, when the page kept them.
MOVES = re.compile(r'\$R[CS]\("([BPS]:\w+)","([BPS]:\w+)"\)')
FALLBACK_TEXT = 200  # characters: a fallback is a "Loading…" line or an empty skeleton


def complete_streamed(root) -> None:
    """Move every streamed segment into its placeholder, dropping the fallback."""
    segments = {element.get("id"): element for element in SEGMENTS(root)}
    if not segments:
        return
    pairs = _pairs(root)
    for template in list(root.iter("template")):
        name = template.get("id") or ""
        segment = segments.get(pairs.get(name) or _same_number(name))
        if segment is None or template.getparent() is None or segment.getparent() is None:
            continue
        if name.startswith("B:"):
            _drop_fallback(template)
        append_text_before(template, segment.text)
        for child in list(segment):
            template.addprevious(child)  # moves it, with its tail
        remove(template)
        segment.getparent().remove(segment)


def _pairs(root) -> dict[str, str]:
    """Placeholder id -> segment id, from the page's $RC("B:0","S:0") / $RS("S:1","P:1") calls."""
    pairs = {}
    for script in root.iter("script"):
        for first, second in MOVES.findall(script.text or ""):
            boundary, segment = (first, second) if first.startswith("B:") else (second, first)
            pairs[boundary] = segment
    return pairs


def _same_number(name: str) -> str:
    """The segment React numbers like its placeholder (B:3 or P:3 -> S:3)."""
    return "S:" + name[2:] if name[:2] in ("B:", "P:") else ""


def _drop_fallback(template) -> None:
    """The fallback after a boundary's placeholder: up to the <!--/$--> that closes the
    boundary, or, where the saved page lost its comments, the text after it or the one
    short element after it."""
    opened = template.getprevious()
    if opened is not None and opened.tag is etree.Comment and opened.text in ("$?", "$!"):
        template.tail = None
        node = template.getnext()
        while node is not None and not (node.tag is etree.Comment and node.text == "/$"):
            following = node.getnext()
            node.tail = None
            remove(node)
            node = following
        return
    if (template.tail or "").strip():
        template.tail = None  # <template id="B:0"></template>Loading...
        return
    fallback = template.getnext()
    if fallback is not None and is_element(fallback) and text_length(fallback) <= FALLBACK_TEXT:
        fallback.tail, tail = None, fallback.tail
        remove(fallback)
        template.tail = tail
