"""Rule actions on the tree, in their fixed order: remove, unwrap, move, cut, drop, trim.

Every change is recorded as an ``Action`` with the rule id, for ``cleanart explain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..dom import attached, excerpt, is_element, iter_elements, remove, text_of, unwrap
from ..text import EDGE
from .blocks import Run, iter_runs, remove_run, run_slots, text_of_run


@dataclass
class Action:
    rule: str  # rule id, "structure.<tag>" for structural clean-up, "detector" for the detector
    action: str  # remove, unwrap, move, cut, drop, trim
    text: str  # the text affected (for explain)
    field: str | None = None  # for move
    reasons: str = ""  # the detector's main reasons, for explain


def apply_rules(root, plan, actions: list[Action], moved: dict, keep_credits: bool) -> list[Run] | None:
    """Apply a document's rule plan.  Returns the blocks that no rule touched, in order,
    for the detector to reuse (None when the text pass did not run or a cut made the
    list unsure): walking the tree for blocks again costs as much as the rules."""
    order: dict[int, int] = {}
    cut_markers: list[tuple[int, Any, Any]] = []  # (position, marker, rule)
    unwraps: list[tuple[Any, Any]] = []
    removing, unwrapping, cutting = bool(plan.remove), bool(plan.unwrap), bool(plan.cut_selectors)
    opening: list = []  # the story's first paragraph, found when a remove rule first needs it
    if removing or unwrapping or cutting or plan.cut_comments:
        counter = 0
        # Every node in document order, listed by lxml at once.  The list also keeps each
        # node's Python proxy alive for the walk, so the ids that key ``order`` stay unique.
        nodes = list(root.iter())
        position = 1  # nodes[0] is root itself
        while position < len(nodes):
            node = nodes[position]
            position += 1
            counter += 1
            order[id(node)] = counter
            if not isinstance(node.tag, str):
                if node.tag is etree.Comment and plan.cut_comments:
                    for rule in plan.cut_comments:
                        if rule.comment.search(node.text or ""):
                            cut_markers.append((counter, node, rule))
                            break
                continue
            rule = plan.remove.match(node) if removing else None
            if rule and not _holds_the_article(node, rule, root, opening):
                actions.append(Action(rule.id, "remove", excerpt(node)))
                position += sum(1 for _ in node.iter()) - 1  # its subtree goes with it
                remove(node)
                continue
            rule = plan.unwrap.match(node) if unwrapping else None
            if rule:
                unwraps.append((node, rule))
                continue
            rule = plan.cut_selectors.match(node) if cutting else None
            if rule:
                cut_markers.append((counter, node, rule))
        for element, rule in reversed(unwraps):
            if attached(element, root):
                actions.append(Action(rule.id, "unwrap", excerpt(element)))
                unwrap(element)
    drops: list[tuple[Run, Any]] = []
    spent_breaks: list = []
    untouched: list[Run] | None = None
    if plan.text_rules or plan.trims:
        untouched = []
        for run in iter_runs(root):
            rule = plan.text_rule_for(run.text)
            if rule is None:
                # The screen gates on the block's text; the trims then try its last slot,
                # whose spacing may differ, so all of them are tried there.
                if plan.trims and plan.may_trim(run.text) and trim_run(run, plan.trims, actions):
                    run.text = text_of_run(run)
                if run.text:
                    untouched.append(run)
                continue
            if rule.action == "move":
                if keep_credits:
                    continue
                _store(moved, rule.field, _moved_value(rule, run.text))
                actions.append(Action(rule.id, "move", run.text, rule.field))
                remove_run(run, spent_breaks)
            elif rule.action == "cut":
                cut_markers.append((_run_position(run, order), run, rule))
            else:
                drops.append((run, rule))
    if cut_markers:
        _position, marker, rule = min(cut_markers, key=lambda m: m[0])
        cut_after(root, marker, rule, actions)
        untouched = None  # text after the marker may sit in slots of elements still there
    for run, rule in drops:
        if all(attached(i[1] if isinstance(i, tuple) else i, root) for i in run.items):
            actions.append(Action(rule.id, "drop", run.text))
            remove_run(run, spent_breaks)
    for br in spent_breaks:
        if attached(br, root):
            remove(br)
    return untouched


OPENING = 100  # characters: the first paragraph this long is where the story starts


def _holds_the_article(element, rule, root, opening: list) -> bool:
    """A generic class-name rule that hit a wrapper around the story (a page whose whole
    post sits in <div class="subscribe-wrap">) would empty the page: recall first.  The
    story's opening paragraph tells a wrapper from a comment thread after the story."""
    if rule.scope or not len(element):
        return False
    if not opening:
        opening.append(_opening(root))
    node = opening[0]
    while node is not None and node is not root:
        if node is element:
            return True
        node = node.getparent()
    return False


def _opening(root):
    """The first paragraph of at least OPENING characters (the root when there is none)."""
    for element in root.iter("p", "div", "td", "section"):
        if len((element.text or "").strip()) >= OPENING:
            return element
    return root


def _run_position(run: Run, order: dict[int, int]) -> float:
    """Where a run starts, on the same scale as the walk's element positions."""
    if not order:
        return run.position
    first = run.items[0]
    if isinstance(first, tuple):
        kind, element = first
        base = order.get(id(element), 0)
        # a container's own text comes right after its start; a tail after its element's subtree
        return base + (0.5 if kind == "text" else _subtree_end(element, order) - base + 0.5)
    return order.get(id(first), run.position)


def _subtree_end(element, order: dict[int, int]) -> int:
    last = element
    while len(last):
        last = last[-1]
    return order.get(id(last), order.get(id(element), 0))


def trim_run(run: Run, trims, actions: list[Action]) -> bool:
    """Cut a trailing marker ("...more", "阅读全文") off a block that is otherwise content."""
    if not any(rule.pattern.search(run.text) for rule in trims):
        return False
    slots = [s for s in run_slots(run) if (getattr(s[1], s[0]) or "").strip(EDGE)]
    if not slots:
        return False
    kind, element = slots[-1]
    value = (getattr(element, kind) or "").rstrip(EDGE)
    for rule in trims:
        found = rule.pattern.search(value)
        if found and (found.start() > 0 or len(slots) > 1):
            actions.append(Action(rule.id, "trim", found.group(0).strip(EDGE)))
            setattr(element, kind, value[: found.start()])
            return True
    return False


def _moved_value(rule, text: str) -> str:
    match = rule.pattern.fullmatch(text)
    if match and "value" in match.groupdict() and match.group("value"):
        return match.group("value").strip(EDGE)
    return text


MOVED_KEYS = {"credits": "credits", "source": "sources", "original_title": "original_title"}


def _store(moved: dict, field_name: str, value: str) -> None:
    """credits and sources collect lists; original_title keeps the first."""
    key = MOVED_KEYS[field_name]
    if key == "original_title":
        moved.setdefault(key, value)
    elif value not in moved.setdefault(key, []):
        moved[key].append(value)


def cut_after(root, marker, rule, actions: list[Action]) -> None:
    """Remove the marker and everything after it in document order, within ``root``."""
    removed_text: list[str] = []
    if isinstance(marker, Run):
        kind, start = marker.items[0] if isinstance(marker.items[0], tuple) else ("element", marker.items[0])
    else:
        kind, start = "element", marker
    if kind == "text":  # the container's own text starts the marker: empty the container
        removed_text.append(text_of(start))
        start.text = None
        for child in list(start):
            start.remove(child)
        anchor = start
    else:
        anchor = start
        if kind == "element":
            removed_text.append(excerpt(start, 10**6))
            if start.tail:
                removed_text.append(start.tail)
        else:
            removed_text.append(start.tail or "")
            start.tail = None
        _remove_following(anchor, removed_text)
        if kind == "element":
            anchor = start.getparent()
            start.tail = None
            start.getparent().remove(start)
        else:
            anchor = start.getparent()
    node = anchor
    while node is not None and node is not root:
        if node.tail:
            removed_text.append(node.tail)
            node.tail = None
        _remove_following(node, removed_text)
        node = node.getparent()
    text = " ".join(" ".join(removed_text).split())
    actions.append(Action(rule.id, "cut", text[:400]))


def _remove_following(element, removed_text: list[str]) -> None:
    sibling = element.getnext()
    while sibling is not None:
        following = sibling.getnext()
        if is_element(sibling):
            removed_text.append(text_of(sibling))
        if sibling.tail:
            removed_text.append(sibling.tail)
        sibling.tail = None
        sibling.getparent().remove(sibling)
        sibling = following


@dataclass(frozen=True)
class Protection:
    """What ``keep`` rules protect from the detector and template learning."""

    elements: frozenset[int] = frozenset()  # ids of protected elements
    patterns: tuple = ()  # keep rules matched against a block's whole text

    def covers(self, run: Run) -> bool:
        if self.patterns and any(r.pattern.fullmatch(run.text) for r in self.patterns):
            return True
        if not self.elements:
            return False
        element = run.container
        while element is not None:
            if id(element) in self.elements:
                return True
            element = element.getparent()
        return any(not isinstance(i, tuple) and id(i) in self.elements for i in run.items)


def keep_protection(root, plan) -> Protection:
    if plan is None or not (plan.keep_selectors or plan.keep_patterns):
        return Protection()
    elements = (
        frozenset(id(e) for e in iter_elements(root) if plan.keep_selectors.match(e))
        if plan.keep_selectors
        else frozenset()
    )
    return Protection(elements, tuple(plan.keep_patterns))
