"""Blocks: runs of inline content bounded by block elements and <br>.

They are what text rules, the boilerplate detector and template learning look at.
A slot is a place where text lives: (element, "text") or (element, "tail").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from lxml import etree

from ..dom import BLOCK_TAGS, is_element, text_of
from ..text import EDGE, without_zero_width


@dataclass
class Run:
    container: Any
    items: list  # ("text", container) / ("tail", element) slots and inline elements, in order
    text: str  # trimmed, whitespace-collapsed text
    position: int  # document order


def is_inline(element) -> bool:
    """Inline content; an inline element holding blocks or <br> is a container instead."""
    tag = element.tag
    if not isinstance(tag, str):
        return True  # comments sit inside runs without text
    if tag in BLOCK_OR_BREAK:
        return False
    if not len(element):  # most inline elements hold only text
        return True
    # A comment's tag is a function: never in the set.
    return all(child.tag not in BLOCK_OR_BREAK for child in element)


BLOCK_OR_BREAK = BLOCK_TAGS | {"br"}


def iter_runs(root, with_text: bool = True) -> Iterator[Run]:
    """Runs of inline content bounded by block elements and <br>, in document order.

    ``with_text=False`` skips computing each run's text (and yields empty runs too).
    """
    position = 0
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Run):
            position += 1
            item.position = position
            if not with_text or item.text:
                yield item
            continue
        if item.getparent() is None and item is not root:
            continue
        if item.tag == "pre" and item is not root:
            continue  # code is content: text rules never look inside <pre>
        pieces: list = []
        run: list = [("text", item)] if item.text else []
        for child in item:
            if is_inline(child):
                run.append(child)
            else:
                if run:
                    pieces.append(_run(item, run, with_text))
                    run = []
                if child.tag != "br":
                    pieces.append(child)
            if child.tail:
                run.append(("tail", child))
        if run:
            pieces.append(_run(item, run, with_text))
        stack.extend(reversed(pieces))


def _run(container, items: list, with_text: bool = True) -> Run:
    if not with_text:
        return Run(container, items, "", 0)
    parts = []
    for item in items:
        if item.__class__ is tuple:
            parts.append(getattr(item[1], item[0]) or "")
        elif isinstance(item.tag, str):  # an element, not a comment
            parts.append(text_of(item))
    text = " ".join(without_zero_width("".join(parts)).split()).strip(EDGE)
    return Run(container, items, text, 0)


def text_of_run(run: Run) -> str:
    """A run's text again, after a change to its slots."""
    return _run(run.container, run.items).text


def run_slots(run: Run) -> Iterator[tuple]:
    """Every text slot of a run, in document order (inside inline elements too)."""
    for item in run.items:
        if isinstance(item, tuple):
            yield item
        elif is_element(item):
            for event, element in etree.iterwalk(item, events=("start", "end")):
                if event == "start":
                    if is_element(element) and element.text:
                        yield ("text", element)
                elif element is not item and element.tail:
                    yield ("tail", element)  # after the element's own content


def remove_run(run: Run, spent_breaks: list) -> None:
    """Take a run's text and inline elements out.

    The <br> that ended it goes into ``spent_breaks``, to be removed once no other run
    still holds its tail text."""
    following = _element_after(run)
    for item in run.items:
        if isinstance(item, tuple):
            setattr(item[1], item[0], None)
        else:
            item.tail = None
            item.getparent().remove(item)
    if following is not None and following.tag == "br":
        spent_breaks.append(following)


def _element_after(run: Run):
    """The element right after a run (the <br> or block that ends it), if any."""
    last = run.items[-1]
    if isinstance(last, tuple):
        kind, element = last
        return (
            element[0] if kind == "text" and len(element) else (element.getnext() if kind == "tail" else None)
        )
    return last.getnext() if last.getparent() is not None else None
