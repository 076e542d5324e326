"""Whole pages: content a server streamed after the page, put where it belongs.

React's server renderer (Next.js and others) sends a slow part of a page later: in
its place a placeholder, ``<template id="B:0">`` followed by a fallback ("Loading
paragraph...", an empty skeleton), and at the end of the body the real content in
``<div hidden id="S:0">``, which a script (``$RC("B:0","S:0")``, or ``$RR`` with
style sheets) moves into the placeholder.  A saved page never ran the script: its
article is hidden at the bottom and the fallback stands where the article was.  Do
the move.  ``<template id="P:1">`` is a plain placeholder of segment S:1 (``$RS``),
with no fallback.
"""

from __future__ import annotations

import re

from lxml import etree

from ..dom import append_text_before, attached, is_element, remove, text_of

SEGMENTS = etree.XPath('.//@id[starts-with(., "S:")]/parent::*[@hidden]')
# The script calls that pair a placeholder with its segment, when the page kept them.
MOVES = re.compile(r'\$R[CRS]\("([BPS]:\w+)","([BPS]:\w+)"')
# Without the <!--$?--> ... <!--/$--> comments (a saver dropped them), only what reads
# as a fallback is dropped after a placeholder: nothing, or a short "Loading…".
LOADING = re.compile(r"\s*(?:loading|please wait|…|\.\.\.)[\w\s.…]{0,30}", re.I)


def complete_streamed(root) -> None:
    """Move every streamed segment into its placeholder, dropping the fallback."""
    segments = {element.get("id"): element for element in SEGMENTS(root)}
    if not segments:
        return
    templates = [t for t in root.iter("template") if (t.get("id") or "")[:2] in ("B:", "P:")]
    for template, segment in _pairs(root, templates, segments):
        if attached(template, segment) or template.getparent() is None or segment.getparent() is None:
            continue  # a placeholder inside its own segment: a page no script could complete
        if template.get("id").startswith("B:"):
            _drop_fallback(template)
        append_text_before(template, segment.text)
        for child in list(segment):
            template.addprevious(child)  # moves it, with its tail
        remove(template)
        remove(segment)  # its tail stays


def _pairs(root, templates: list, segments: dict) -> list[tuple]:
    """(placeholder, segment) pairs: from the page's $RC/$RR/$RS calls when it kept them,
    else by React's numbering, which a P:n placeholder shares with its segment and a B:n
    boundary usually does too.  A segment goes to one placeholder only, a P:n first."""
    scripted = {}
    for script in root.iter("script"):
        for first, second in MOVES.findall(script.text or ""):
            boundary, segment = (first, second) if not first.startswith("S:") else (second, first)
            scripted[boundary] = segment
    claimed, pairs, used = set(scripted.values()), [], set()
    ordered = sorted(templates, key=lambda t: (t.get("id") not in scripted, not t.get("id").startswith("P:")))
    for template in ordered:
        name = template.get("id")
        wanted = scripted.get(name)
        if wanted is None:
            wanted = "S:" + name[2:]
            if wanted in claimed:
                continue  # the page's own calls give that segment to another placeholder
        if wanted in segments and wanted not in used:
            used.add(wanted)
            pairs.append((template, segments[wanted]))
    return pairs


def _drop_fallback(template) -> None:
    """The fallback after a boundary's placeholder: up to the <!--/$--> that closes the
    boundary; where the saved page lost its comments, a "Loading…" text or an element
    that shows nothing else right after it (anything more is kept: recall first)."""
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
        if LOADING.fullmatch(template.tail):
            template.tail = None  # <template id="B:0"></template>Loading...
        return
    fallback = template.getnext()
    if fallback is not None and is_element(fallback) and _is_fallback(fallback):
        fallback.tail, tail = None, fallback.tail
        remove(fallback)
        template.tail = tail


def _is_fallback(element) -> bool:
    """An element that shows nothing (a skeleton) or only a "Loading…" line."""
    text = text_of(element)
    return (not text.strip() and element.find(".//img") is None) or LOADING.fullmatch(text) is not None
