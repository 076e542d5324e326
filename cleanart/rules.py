"""Boilerplate rules: loading and validating rule files, choosing rules for a document.

Rules are data (YAML packs in ``cleanart/packs/`` and the user's ``--rules`` files);
this module turns them into checked ``Rule`` objects and indexes selector rules by
the tag, class and id tokens they need, so cleaning walks a document once however
many rules there are.  Format: see README, "Writing rules".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from ahocorasick_rs import AhoCorasick, MatchKind

from . import screen
from .errors import RuleError
from .frontmatter import SAFE_LOADER
from .screen import Screen
from .screen import sre_parse as sre

BUILTIN_DIR = Path(__file__).with_name("packs")
ACTIONS = ("remove", "unwrap", "move", "cut", "drop", "trim", "keep")  # also the order they apply in
FIELDS = ("credits", "source", "original_title")
SCOPE_KEYS = ("domain", "author", "categories", "url", "generator", "page_type")
ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DEFAULT_MAX_CHARS = 200
KEYS = {
    "remove": {"selector"},
    "unwrap": {"selector"},
    "drop": {"pattern"},
    "move": {"pattern", "field"},
    "cut": set(),  # exactly one of comment / pattern / selector
    "trim": {"pattern"},
    "keep": set(),  # exactly one of pattern / selector: protects blocks from the detector
}
OPTIONAL = {"drop": {"max_chars"}, "move": {"max_chars"}, "cut": {"max_chars"}, "trim": set(), "keep": set()}
ONE_OF = {"cut": ("comment", "pattern", "selector"), "keep": ("pattern", "selector")}
COMMON = {"id", "description", "scope", "unless", "action"}


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    action: str
    pack: str
    origin: str  # file:line, for messages
    selector: str | None = None
    pattern: re.Pattern | LazyPattern | None = None
    comment: re.Pattern | LazyPattern | None = None
    field: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    scope: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unless: tuple[tuple[str, tuple[str, ...]], ...] = ()  # off where any of these matches

    @property
    def target(self) -> str:
        """What the rule matches, as a user wrote it (for ``cleanart rules``)."""
        if self.selector:
            return self.selector
        if self.comment is not None:
            return f"<!-- {self.comment.pattern} -->"
        return self.pattern.pattern if self.pattern is not None else ""

    def in_scope(self, facts: dict[str, Any]) -> bool:
        return all(_scope_matches(key, wanted, facts) for key, wanted in self.scope) and not any(
            _scope_matches(key, wanted, facts) for key, wanted in self.unless
        )


def _scope_matches(key: str, wanted: tuple[str, ...], facts: dict[str, Any]) -> bool:
    if key == "domain":
        hosts = facts.get("hosts") or ()
        return any(h == d or h.endswith("." + d) for h in hosts for d in wanted)
    values = facts.get(key)
    if not values:
        return False
    if isinstance(values, str):
        values = (values,)
    return any(_search(w, str(v)) for w in wanted for v in values)


class LazyPattern:
    """A regular expression compiled on first use.

    Built-in packs are checked by the test suite, so a process compiles only the
    patterns it uses (compiling all of them costs more than converting a post).
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern, self.flags = pattern, flags
        self._compiled = None

    def _get(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str):
        return self._get().search(text)

    def fullmatch(self, text: str):
        return self._get().fullmatch(text)

    def finditer(self, text: str):
        return self._get().finditer(text)

    def __eq__(self, other) -> bool:
        return isinstance(other, LazyPattern) and (other.pattern, other.flags) == (self.pattern, self.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _search(pattern: str, value: str) -> bool:
    return bool(_compiled(pattern).search(value))


# --- loading ------------------------------------------------------------------------


def load_file(path: str | Path, trusted: bool = False) -> list[Rule]:
    """Load and validate one rule file; raise RuleError on the first mistake."""
    rules, errors = check_file(path, trusted)
    if errors:
        raise errors[0]
    return rules


def check_file(path: str | Path, trusted: bool = False) -> tuple[list[Rule], list[RuleError]]:
    """Every rule of a file and every mistake in it (for ``cleanart rules --check``).

    ``trusted`` (the built-in packs, checked by the test suite) compiles their
    regular expressions on first use instead of now.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [RuleError(name, None, f"cannot read rule file: {exc}")]
    loader = SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [RuleError(name, mark.line + 1 if mark else None, f"not valid YAML: {problem}")]
    finally:
        loader.dispose()
    if root is None:
        return [], [RuleError(name, None, "rule file is empty")]
    pack = Path(path).stem
    items_node = root
    if isinstance(data, dict):
        pack = str(data.get("pack") or pack)
        unknown = set(data) - {"pack", "description", "rules"}
        if unknown:
            return [], [
                RuleError(name, 1, f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
            ]
        items_node = next((v for k, v in root.value if k.value == "rules"), None)
        data = data.get("rules")
    if not isinstance(data, list) or items_node is None:
        return [], [RuleError(name, 1, "expected a list of rules (or a mapping with a 'rules' list)")]
    rules, errors, seen = [], [], {}
    for item, node in zip(data, items_node.value):
        line = node.start_mark.line + 1
        try:
            rule = _make_rule(item, pack, name, line, trusted)
        except RuleError as exc:
            errors.append(exc)
            continue
        if rule.id in seen:
            errors.append(
                RuleError(name, line, f"duplicate rule id {rule.id!r} (first at line {seen[rule.id]})")
            )
            continue
        seen[rule.id] = line
        rules.append(rule)
    return rules, errors


def _make_rule(item: Any, pack: str, path: str, line: int, trusted: bool = False) -> Rule:
    def fail(message: str):
        raise RuleError(path, line, message)

    if not isinstance(item, dict):
        fail("a rule must be a mapping with id, description and action")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not ID.match(rule_id):
        fail(f"rule id {rule_id!r} missing or invalid (use lowercase letters, digits, '.', '_', '-')")
    if not isinstance(item.get("description"), str) or not item["description"].strip():
        fail(f"rule {rule_id}: 'description' is required")
    action = item.get("action")
    if action not in ACTIONS:
        fail(f"rule {rule_id}: 'action' must be one of {', '.join(ACTIONS)} (got {action!r})")
    allowed = COMMON | KEYS[action] | OPTIONAL.get(action, set())
    if action in ONE_OF:
        allowed |= set(ONE_OF[action])
    extra = set(item) - allowed
    if extra:
        fail(f"rule {rule_id}: key(s) {', '.join(sorted(map(str, extra)))} not allowed for action {action}")
    missing = KEYS[action] - set(item)
    if missing:
        fail(f"rule {rule_id}: action {action} needs {', '.join(sorted(missing))}")
    if action in ONE_OF:
        markers = [k for k in ONE_OF[action] if k in item]
        if len(markers) != 1:
            fail(f"rule {rule_id}: {action} needs exactly one of {', '.join(ONE_OF[action])}")
    fields: dict[str, Any] = {}
    if "selector" in item:
        selector = item["selector"]
        if not isinstance(selector, str) or not selector.strip():
            fail(f"rule {rule_id}: selector must be a non-empty string")
        if simple_selector(selector) is None:
            fail(
                f"rule {rule_id}: selector {selector!r} is not valid or not supported "
                "(supported: tag, *, .class, #id, [attr], [attr=|~=|^=|$=|*=||=value i], "
                ":not(), :empty, :first-child, :last-child, :only-child, descendant and > combinators)"
            )
        fields["selector"] = selector.strip()
    for key in ("pattern", "comment"):
        if key in item:
            if not isinstance(item[key], str) or not item[key]:
                fail(f"rule {rule_id}: {key} must be a non-empty regular expression")
            try:
                # A trim pattern is anchored to the end of the block.
                source = f"(?:{item[key]})\\s*$" if action == "trim" else item[key]
                fields[key] = LazyPattern(source) if trusted else re.compile(source)
            except re.error as exc:
                fail(f"rule {rule_id}: bad regular expression in {key}: {exc}")
            if not trusted:
                _refuse_catastrophic(item[key], f"rule {rule_id}: {key}", fail)
    if action == "move":
        if item["field"] not in FIELDS:
            fail(f"rule {rule_id}: field must be one of {', '.join(FIELDS)}")
        fields["field"] = item["field"]
    if "max_chars" in item:
        value = item["max_chars"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail(f"rule {rule_id}: max_chars must be a positive integer")
        fields["max_chars"] = item["max_chars"]
    scopes = {}
    for name in ("scope", "unless"):
        scopes[name] = tuple(_scope_items(item.get(name) or {}, name, rule_id, trusted, fail))
    return Rule(
        id=rule_id,
        description=" ".join(item["description"].split()),
        action=action,
        pack=pack,
        origin=f"{path}:{line}",
        scope=scopes["scope"],
        unless=scopes["unless"],
        **fields,
    )


def _scope_items(scope, name: str, rule_id: str, trusted: bool, fail) -> list:
    """A rule's ``scope`` (or ``unless``) mapping as (key, values) pairs, checked."""
    if not isinstance(scope, dict):
        fail(f"rule {rule_id}: {name} must be a mapping")
    scope_items = []
    for key, value in scope.items():
        if key not in SCOPE_KEYS:
            fail(f"rule {rule_id}: unknown {name} key {key!r} (use {', '.join(SCOPE_KEYS)})")
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            fail(f"rule {rule_id}: {name} {key} must be a string or a list of strings")
        if key != "domain":
            for v in values:
                try:
                    re.compile(v)
                except re.error as exc:
                    fail(f"rule {rule_id}: bad regular expression in {name} {key}: {exc}")
                if not trusted:
                    _refuse_catastrophic(v, f"rule {rule_id}: {name} {key}", fail)
        else:
            values = [v.lower().lstrip(".") for v in values]
        scope_items.append((key, tuple(values)))
    return scope_items


def _refuse_catastrophic(pattern: str, what: str, fail) -> None:
    """Refuse a pattern that can take exponential time, such as ``(a+)+$``.

    Python's regular expressions backtrack: an unbounded repeat of something that
    itself repeats, when one round can end where the next begins, tries every way of
    splitting a near-match, and one block of text hangs the run.  ``(?:\\s+\\w+)*`` is
    fine (a round must start with a space), ``(\\w+\\s?)*`` is not.
    """
    if _ambiguous_repeat(sre.parse(pattern)):
        fail(
            f"{what}: {pattern!r} repeats a group that itself repeats (like (a+)+) or whose "
            "alternatives can match the same text (like (a|a)*), which can take exponential time "
            "on text that almost matches; rewrite it (e.g. (a+)+ or (a|a)* as a+ or a*)"
        )


def _ambiguous_repeat(sequence) -> bool:
    """Whether an unbounded repeat holds a variable repeat and its rounds can run together."""
    for op, av in sequence:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            body = av[2]
            if av[1] == sre.MAXREPEAT and _has_variable_repeat(body) and _rounds_touch(body):
                return True
            if av[1] == sre.MAXREPEAT and _alternatives_overlap(body):
                return True
        if any(_ambiguous_repeat(inner) for inner in _inner_sequences(op, av)):
            return True
    return False


def _alternatives_overlap(sequence) -> bool:
    """Whether a branch in a repeated ``sequence`` has two alternatives that both match
    nothing once their shared start is taken out: Python parses ``(a|a)`` as ``a`` then
    a choice of two empty alternatives, and a repeat of it splits a near-match in
    exponentially many ways.  (Alternatives that differ are left alone: telling whether
    two of them can match the same text is a harder question than this check asks.)"""
    for op, av in sequence:
        if op is sre.SUBPATTERN and _alternatives_overlap(av[-1]):
            return True
        if op is sre.BRANCH and sum(1 for b in av[1] if _can_be_empty(b)) >= 2:
            return True
    return False


def _inner_sequences(op, av) -> list:
    """The sub-patterns of one parsed item that can backtrack.

    ATOMIC_GROUP and POSSESSIVE_REPEAT never backtrack into their body: left out.
    """
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        return [av[2]]
    if op is sre.SUBPATTERN:
        return [av[-1]]
    if op is sre.BRANCH:
        return list(av[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [av[1]]
    return []


def _has_variable_repeat(sequence) -> bool:
    for op, av in sequence:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and (av[1] > av[0] or _has_variable_repeat(av[2])):
            return True
        if op is sre.SUBPATTERN and _has_variable_repeat(av[-1]):
            return True
        if op is sre.BRANCH and any(_has_variable_repeat(branch) for branch in av[1]):
            return True
    return False


def _rounds_touch(body) -> bool:
    """Whether a character can both end one match of ``body`` and start the next."""
    starts, ends = _edge_items(body, False), _edge_items(body, True)
    probes = set(PROBES)
    for op, av in starts + ends:
        if op is sre.LITERAL:
            probes.add(chr(av))
    return any(
        any(_item_matches(item, ch) for item in starts) and any(_item_matches(item, ch) for item in ends)
        for ch in probes
    )


PROBES = "".join(chr(c) for c in range(9, 127)) + "\xa0\u3000éß中看，。、"


def _edge_items(sequence, from_end: bool) -> list:
    """The single-character items a match of ``sequence`` can start (or end) with."""
    found: list = []
    for op, av in reversed(sequence) if from_end else sequence:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width
        if op is sre.SUBPATTERN:
            found += _edge_items(av[-1], from_end)
            optional = _can_be_empty(av[-1])
        elif op is sre.BRANCH:
            for branch in av[1]:
                found += _edge_items(branch, from_end)
            optional = any(_can_be_empty(branch) for branch in av[1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            found += _edge_items(av[2], from_end)
            optional = av[0] == 0 or _can_be_empty(av[2])
        else:
            found.append((op, av))
            optional = False
        if not optional:
            break
    return found


def _can_be_empty(sequence) -> bool:
    for op, av in sequence:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        if op is sre.SUBPATTERN and _can_be_empty(av[-1]):
            continue
        if op is sre.BRANCH and any(_can_be_empty(branch) for branch in av[1]):
            continue
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and (av[0] == 0 or _can_be_empty(av[2])):
            continue
        return False
    return True


CATEGORY_PATTERNS = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _item_matches(item, ch: str) -> bool:
    """Whether one parsed item can match ``ch``; True when unsure (the check stays safe)."""
    op, av = item
    if op is sre.LITERAL:
        return chr(av).lower() == ch.lower()
    if op is sre.NOT_LITERAL:
        return chr(av) != ch
    if op is sre.IN:
        negate = any(part_op is sre.NEGATE for part_op, _ in av)
        hit = False
        for part_op, part in av:
            if part_op is sre.LITERAL:
                hit = hit or chr(part).lower() == ch.lower()
            elif part_op is sre.RANGE:
                hit = hit or part[0] <= ord(ch) <= part[1] or part[0] <= ord(ch.lower()) <= part[1]
            elif part_op is sre.CATEGORY:
                known = CATEGORY_PATTERNS.get(str(part))
                hit = hit or (re.fullmatch(known, ch) is not None if known else True)
        return hit != negate
    return True  # ANY and everything else


@lru_cache(maxsize=2048)
def _compile_selector(selector: str) -> SimpleSelector:
    return simple_selector(selector)


# --- CSS selectors -------------------------------------------------------------------------
# Rule selectors are matched by this small engine on lxml elements: a comma list of
# compound selectors (tag, .class, #id, [attr op "value" i], :not(...), :empty,
# :first-child, :last-child, :only-child) joined by descendant or child combinators.
# It covers what boilerplate rules need and costs nothing to start, where a general
# CSS engine costs ~0.1 s per process.

SIMPLE_PART = re.compile(
    r"""\s*(?:(?P<tag>[a-zA-Z][\w-]*|\*)|\.(?P<cls>[\w-]+)|\#(?P<id>[\w-]+)"""
    r"""|\[(?P<attr>[^\]"']*(?:"[^"]*"|'[^']*')?[^\]"']*)\]"""
    r"""|:not\((?P<neg>[^()]*)\)|:(?P<pseudo>empty|only-child|first-child|last-child)(?![\w-]))"""
)
PSEUDO = {
    "empty": lambda t: len(t) == 0 and not t.text,
    "only-child": lambda t: t.getparent() is not None and len(_elements(t.getparent())) == 1,
    "first-child": lambda t: t.getparent() is not None and _elements(t.getparent())[0] is t,
    "last-child": lambda t: t.getparent() is not None and _elements(t.getparent())[-1] is t,
}


def _elements(element) -> list:
    return [c for c in element if isinstance(c.tag, str)]


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


def _parse_compound(text: str):
    """A list of tests for one compound selector, or None if it is not simple."""
    tests = []
    position = 0
    text = text.strip()
    if not text:
        return None
    while position < len(text):
        part = SIMPLE_PART.match(text, position)
        if not part or part.end() == position:
            return None
        if part.group("tag") and position:
            return None  # a tag name can only come first
        position = part.end()
        if part.group("tag"):
            name = part.group("tag").lower()
            tests.append((lambda t: True) if name == "*" else (lambda t, n=name: t.tag == n))
        elif part.group("cls"):
            tests.append(lambda t, c=part.group("cls"): c in _classes(t))
        elif part.group("id"):
            tests.append(lambda t, i=part.group("id"): t.get("id") == i)
        elif part.group("attr") is not None:
            test = _attribute_test(part.group("attr"))
            if test is None:
                return None
            tests.append(test)
        elif part.group("neg") is not None:
            inner = [_parse_compound(p) for p in _split_top(part.group("neg"), ",")]
            if not all(inner):
                return None
            tests.append(lambda t, alts=inner: not any(all(f(t) for f in alt) for alt in alts))
        elif part.group("pseudo"):
            tests.append(PSEUDO[part.group("pseudo")])
    return tests


def _attribute_test(inner: str):
    match = ATTRIBUTE.match(inner)
    if match is None:
        return None
    attr = match.group("attr").lower()
    op = match.group("op")
    value = next((v for v in match.group("dq", "sq", "bare") if v is not None), None)
    fold = bool(re.search(r"\s[iI]\s*$|[\"'][iI]\s*$", inner))
    if op is None:
        return lambda t: attr in t.attrib
    if fold:
        value = value.lower()

    def get(tag):
        text = tag.get(attr)
        if text is None:
            return None
        return text.lower() if fold else text

    checks = {
        "=": lambda v: v == value,
        "~=": lambda v: value in v.split() and bool(value),
        "|=": lambda v: v == value or v.startswith(value + "-"),
        "^=": lambda v: bool(value) and v.startswith(value),
        "$=": lambda v: bool(value) and v.endswith(value),
        "*=": lambda v: bool(value) and value in v,
    }
    check = checks[op]
    return lambda t: (lambda v: v is not None and check(v))(get(t))


class SimpleSelector:
    """Matches a comma list of compound selectors joined by descendant or child
    combinators; each branch is matched right to left."""

    def __init__(self, branches):
        self.branches = branches  # per branch: [(combinator, tests), ...] left to right

    def match(self, tag) -> bool:
        return any(_match_branch(tag, parts, len(parts) - 1) for parts in self.branches)


def _match_branch(tag, parts, i: int) -> bool:
    combinator, tests = parts[i]
    if not all(test(tag) for test in tests):
        return False
    if i == 0:
        return True
    node = tag.getparent()
    while node is not None:
        if _match_branch(node, parts, i - 1):
            return True
        if combinator == ">":
            return False
        node = node.getparent()
    return False


COMBINATOR = re.compile(r"\s*>\s*|\s+")


def simple_selector(selector: str) -> SimpleSelector | None:
    """The matcher for ``selector``, or None when it is invalid or unsupported (+, ~, :nth-child…)."""
    branches = []
    for branch in _split_top(selector, ","):
        parts, combinator = [], ""
        for piece, separator in _split_combinators(branch.strip()):
            tests = _parse_compound(piece)
            if tests is None:
                return None
            parts.append((combinator, tests))
            combinator = separator
        if not parts or combinator:
            return None
        branches.append(parts)
    return SimpleSelector(branches)


def _split_combinators(branch: str):
    """(compound, combinator after it) pairs; None for '+' or '~' (not supported here)."""
    depth, start, i = 0, 0, 0
    out = []
    while i < len(branch):
        ch = branch[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch in " >+~":
            separator = COMBINATOR.match(branch, i)
            text = separator.group(0) if separator else ch
            if ch in "+~" or (separator is None):
                return [("+", "")]  # makes _parse_compound fail: not supported
            out.append((branch[start:i], ">" if ">" in text else " "))
            i += len(text)
            start = i
            continue
        i += 1
    out.append((branch[start:], ""))
    return out


def builtin_files() -> list[Path]:
    """Built-in packs in a stable order: generic first, then phrases, then sites."""
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    order = {"generic": 0, "zh": 1, "en": 2}
    return sorted(files, key=lambda p: (order.get(p.stem, 3), p.name))


@lru_cache(maxsize=64)
def _load_cached(path: str, mtime: float) -> tuple[Rule, ...]:
    return tuple(load_file(path, trusted=Path(path).parent == BUILTIN_DIR))


def load_rules(extra: Iterable[str | Path] = (), builtin: bool = True) -> tuple[Rule, ...]:
    """Built-in rules (unless disabled) followed by the user's files, ids unique.

    Loaded once per process for the same arguments (a batch converts many files).
    """
    return _load_rules(tuple(str(p) for p in extra), builtin)


def _builtin_rules() -> tuple[Rule, ...]:
    """The built-in packs, from the user's cache when they have not changed since.

    With them their patterns' anchors (see screen.py), so a run that converts one
    post neither reads YAML nor parses a regular expression it does not use."""
    from . import cache

    files = builtin_files()
    # This file's and screen.py's bytes too: the entry pickles this file's Rule and
    # LazyPattern objects, and anchors as screen.py extracts them.
    code = [Path(__file__).read_bytes(), Path(screen.__file__).read_bytes()]
    entry = cache.key([f.name.encode() for f in files] + [f.read_bytes() for f in files] + code)
    found = cache.load("packs", entry)
    if isinstance(found, tuple) and len(found) == 2:
        rules, known = found
        screen.KNOWN.update(known)
        return rules
    rules = tuple(rule for path in files for rule in _load_cached(str(path), path.stat().st_mtime))
    known = {
        r.pattern.pattern: screen.pattern_anchors(r.pattern.pattern) for r in rules if r.pattern is not None
    }
    cache.store("packs", entry, (rules, known))
    return rules


@lru_cache(maxsize=16)
def _load_rules(extra: tuple[str, ...], builtin: bool) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for rule in _builtin_rules() if builtin else ():
        seen[rule.id] = rule.origin
        rules.append(rule)
    for path in map(Path, extra):
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise RuleError(str(path), None, f"cannot read rule file: {exc.strerror}") from None
        for rule in _load_cached(str(path), mtime):
            if rule.id in seen:
                raise RuleError(
                    str(path),
                    int(rule.origin.rsplit(":", 1)[1]),
                    f"rule id {rule.id!r} is already defined at {seen[rule.id]}",
                )
            seen[rule.id] = rule.origin
            rules.append(rule)
    return tuple(rules)


# --- indexing -------------------------------------------------------------------------

COMPOUND_TOKEN = re.compile(
    r"""(?P<tag>^[a-zA-Z][\w-]*|^\*)|\.(?P<cls>[\w-]+)|\#(?P<id>[\w-]+)"""
    r"""|\[(?P<inner>[^\]]*)\]|:(?P<pseudo>[\w-]+)(?P<args>\((?:[^()]|\([^()]*\))*\))?"""
)
ATTRIBUTE = re.compile(
    r"""^\s*(?P<attr>[\w-]+)\s*(?:(?P<op>[~|^$*]?=)\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"']+))\s*(?:[iIsS]\s*)?)?$"""
)
# Index keys from most to least selective.
KEY_RANK = ("id", "class", "sub", "tag", "has")


def _split_top(selector: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in selector:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def selector_keys(selector: str) -> list[str] | None:
    """Index keys of which an element must have one to match (one key per branch).

    Keys: ``id:x``, ``class:x``, ``tag:p``, ``has:attr`` (attribute present) and
    ``sub:attr:text`` (attribute value contains text).  None when some branch
    cannot be narrowed; it is then tried on every element.
    """
    keys = []
    for branch in _split_top(selector, ","):
        last = _split_combinators(branch.strip())[-1][0]  # the compound an element must match
        best = None
        position = 0
        while position < len(last):
            token = COMPOUND_TOKEN.match(last, position)
            if not token or token.end() == position:
                return None
            position = token.end()
            key = _token_key(token)
            if key and (best is None or KEY_RANK.index(key[0]) < KEY_RANK.index(best[0])):
                best = key
        if best is None:
            return None
        keys.append(":".join(best))
    return keys


def _token_key(token: re.Match) -> tuple[str, ...] | None:
    if token.group("id"):
        return ("id", token.group("id"))
    if token.group("cls"):
        return ("class", token.group("cls"))
    if token.group("tag") and token.group("tag") != "*":
        return ("tag", token.group("tag").lower())
    inner = token.group("inner")
    attribute = ATTRIBUTE.match(inner) if inner is not None else None
    if attribute is None:
        return None
    attr = attribute.group("attr").lower()
    op = attribute.group("op")
    value = next((v for v in attribute.group("dq", "sq", "bare") if v is not None), None)
    if op == "~=" and attr in ("class", "id") and value and " " not in value:
        return ("class" if attr == "class" else "id", value)
    if op == "=" and attr == "id" and value:
        return ("id", value)
    if op in ("*=", "^=", "$=", "|=", "=", "~=") and value and value.strip():
        return ("sub", attr, value.strip().lower())  # what each of these needs in the value
    return ("has", attr)


@dataclass
class SelectorIndex:
    """Selector rules of one action looked up by an element's tag, classes and id."""

    by_key: dict[str, list[Rule]] = field(default_factory=dict)
    everywhere: list[Rule] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)
    # Per attribute, one scan for all its needles ([class*="share"] and the like) and the
    # rules of each needle, by the scan's pattern index: built by build().
    needle_scans: dict[str, tuple[Any, list[list[Rule]]]] = field(default_factory=dict)
    has_attribute_keys: bool = False  # some rule is keyed on an attribute other than class/id

    @classmethod
    def build(cls, rules: Iterable[Rule]) -> SelectorIndex:
        index = cls()
        substrings: dict[str, dict[str, list[Rule]]] = {}  # attribute -> needle -> rules
        for rule in rules:
            index.position[rule.id] = len(index.position)
            keys = selector_keys(rule.selector)
            if keys is None:
                index.everywhere.append(rule)
            else:
                for key in dict.fromkeys(keys):
                    if key.startswith(("sub:", "has:")):
                        index.has_attribute_keys = True
                    if key.startswith("sub:"):
                        _, attr, needle = key.split(":", 2)
                        bucket = substrings.setdefault(attr, {}).setdefault(needle, [])
                        bucket.append(rule)
                    else:
                        index.by_key.setdefault(key, []).append(rule)
        for attr, needles in substrings.items():
            needles = {needle: rules for needle, rules in needles.items() if needle}  # "" never matches
            if needles:
                scan = AhoCorasick(list(needles), matchkind=MatchKind.Standard)
                index.needle_scans[attr] = (scan, list(needles.values()))
        return index

    def __bool__(self) -> bool:
        return bool(self.by_key or self.everywhere or self.needle_scans)

    def candidates(self, tag) -> list[Rule]:
        by_key = self.by_key
        found = list(by_key.get("tag:" + tag.tag, ()))
        for name, value in tag.items():  # one call for all attributes (most elements have none)
            if name == "class":
                for token in value.split():
                    found.extend(by_key.get("class:" + token, ()))
            elif name == "id" and value:
                found.extend(by_key.get("id:" + value, ()))
            if self.has_attribute_keys:
                found.extend(by_key.get("has:" + name, ()))
                scan = self.needle_scans.get(name)
                if scan:
                    hits = scan[0].find_matches_as_indexes(value.lower(), overlapping=True)
                    for needle in sorted({hit[0] for hit in hits}):
                        found.extend(scan[1][needle])
        if self.everywhere:
            found.extend(self.everywhere)
        return found

    def match(self, tag) -> Rule | None:
        """The first rule (in rule order) whose selector matches ``tag``."""
        best = None
        for rule in self.candidates(tag):
            if best is not None and self.position[rule.id] >= self.position[best.id]:
                continue
            if _compile_selector(rule.selector).match(tag):
                best = rule
        return best


@dataclass
class RulePlan:
    """The rules that apply to one document, grouped by action and indexed."""

    remove: SelectorIndex
    unwrap: SelectorIndex
    cut_selectors: SelectorIndex
    cut_comments: list[Rule]
    text_rules: list[Rule]  # move, cut-by-pattern and drop, in that order
    max_chars: int
    trims: list[Rule] = field(default_factory=list)  # patterns cut off the end of a block
    keep_selectors: SelectorIndex = field(default_factory=lambda: SelectorIndex())
    keep_patterns: list[Rule] = field(default_factory=list)  # blocks the detector must leave
    _screen: Screen | None = None  # which text rules could match a block, built on first use
    _trim_screen: Screen | None = None  # which trims could match a block, built on first use

    def may_trim(self, text: str) -> bool:
        """Whether ``text`` holds the literals of some trim (only then can one match)."""
        if self._trim_screen is None:
            self._trim_screen = Screen([[rule.pattern.pattern] for rule in self.trims])
        return bool(self._trim_screen.candidates(text))

    def text_rule_for(self, text: str) -> Rule | None:
        """The first text rule whose pattern matches the whole of ``text``.

        Most blocks are article text that no rule matches: one scan for the literals
        the patterns need (see screen.py) leaves the few rules worth trying.
        """
        length = len(text)
        if length > self.max_chars:
            return None
        if self._screen is None:
            self._screen = Screen([[rule.pattern.pattern] for rule in self.text_rules])
        for index in self._screen.candidates(text):
            rule = self.text_rules[index]
            if length <= rule.max_chars and rule.pattern.fullmatch(text):
                return rule
        return None


def plan(rules: tuple[Rule, ...]) -> RulePlan:
    by_action = {a: [r for r in rules if r.action == a] for a in ACTIONS}
    cuts = by_action["cut"]
    text_rules = by_action["move"] + [r for r in cuts if r.pattern is not None] + by_action["drop"]
    return RulePlan(
        remove=SelectorIndex.build(by_action["remove"]),
        unwrap=SelectorIndex.build(by_action["unwrap"]),
        cut_selectors=SelectorIndex.build(r for r in cuts if r.selector),
        cut_comments=[r for r in cuts if r.comment is not None],
        text_rules=text_rules,
        max_chars=max((r.max_chars for r in text_rules), default=0),
        trims=by_action["trim"],
        keep_selectors=SelectorIndex.build(r for r in by_action["keep"] if r.selector),
        keep_patterns=[r for r in by_action["keep"] if r.pattern is not None],
    )


def for_document(rules: tuple[Rule, ...], facts: dict[str, Any]) -> RulePlan:
    """The plan for the rules whose scope this document meets.

    Plans are cached by which rules are active (not by the document's facts, which
    are unique per post), so memory stays flat over any number of posts.
    """
    facts_key = (
        id(rules),
        *(
            (key, tuple(value) if isinstance(value, list) else value)
            for key, value in sorted(facts.items())
            if key != "url" or _uses_url_scope(rules)
        ),
    )
    cached = _ACTIVE.get(facts_key)
    if cached is not None and cached[0] is rules:
        active = cached[1]
    else:
        active = tuple(
            i for i, rule in enumerate(rules) if not (rule.scope or rule.unless) or rule.in_scope(facts)
        )
        if len(_ACTIVE) >= 4096:
            _ACTIVE.clear()
        _ACTIVE[facts_key] = (rules, active)
    key = (id(rules), active)
    found = _PLANS.get(key)
    if found is None or found[0] is not rules:  # an id can be reused once a tuple is freed
        if len(_PLANS) >= 256:
            _PLANS.clear()
        found = _PLANS[key] = (rules, plan(tuple(rules[i] for i in active)))
    return found[1]


_PLANS: dict[tuple, tuple] = {}  # (id(rules), active indexes) -> (rules, plan)
_ACTIVE: dict[tuple, tuple] = {}  # (id(rules), facts but the url) -> (rules, active indexes)


def _uses_url_scope(rules: tuple[Rule, ...]) -> bool:
    """Whether any rule is scoped by url: otherwise a post's url cannot change its rules
    (asked once per post: remembered per rule set, held with it so its id stays its own)."""
    found = _URL_SCOPED.get(id(rules))
    if found is None or found[0] is not rules:
        if len(_URL_SCOPED) >= 64:
            _URL_SCOPED.clear()
        found = _URL_SCOPED[id(rules)] = (rules, any(key == "url" for rule in rules for key, _ in rule.scope))
    return found[1]


_URL_SCOPED: dict[int, tuple] = {}  # id(rules) -> (rules, whether any is scoped by url)
