"""Literal screens: which of many regular expressions could match a text, in one scan.

Most blocks of a post are article text that no boilerplate pattern matches, and
Python's regular expressions try each of hundreds of alternatives at every position
of a text to say so.  Nearly every pattern needs some literal text, though ("关注"
in ``扫码关注.{0,8}公众号``), so a single Aho-Corasick scan for all those literals
finds the few patterns worth running; patterns without one are always run.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ahocorasick_rs import AhoCorasick, MatchKind

# Python's own parser of regular expressions; its module holds the opcodes too.
# (rules.py reads patterns with it as well.)
try:
    from re import _parser as sre_parse  # Python 3.11+
except ImportError:  # Python before 3.11
    import sre_parse


class Screen:
    """Which of several groups of patterns could match a text.

    ``groups[i]`` are the patterns of candidate ``i`` (a cue kind, a rule); a candidate
    is reported when the text holds a literal that every match of one of its patterns
    contains, or always when some pattern of it needs no literal.  Matching ignores case,
    so a screen serves case-sensitive and case-insensitive patterns alike (flags other
    than re.I must be written inline, where the parser sees them).
    """

    def __init__(self, groups: Sequence[Iterable[str]]):
        owners: dict[str, list[int]] = {}
        always: list[int] = []
        for index, patterns in enumerate(groups):
            needed = anchors_of(patterns)
            if needed is None:
                always.append(index)
                continue
            for literal in needed:
                owners.setdefault(literal, []).append(index)
        self.always = frozenset(always)
        self._literals = list(owners)
        self._owners = [tuple(owners[literal]) for literal in self._literals]
        self._scan = AhoCorasick(self._literals, matchkind=MatchKind.Standard) if self._literals else None

    def candidates(self, text: str) -> list[int]:
        """The candidates that could match ``text``, in their order."""
        found = set(self.always)
        if self._scan is not None:
            hits = self._scan.find_matches_as_indexes(fold(text), overlapping=True)
            for literal, _start, _end in hits:
                found.update(self._owners[literal])
        return sorted(found)


def fold(text: str) -> str:
    """Case-folded as the screen compares: casefold(), with the Turkish dotted and dotless
    i as plain i (a case-insensitive regular expression matches either for i, where
    casefold() keeps them apart)."""
    if "\u0130" in text or "\u0131" in text:
        text = text.translate(TURKISH_I)
    return text.casefold()


TURKISH_I = {0x130: "i", 0x131: "i"}


def anchors_of(patterns: Iterable[str]) -> frozenset[str] | None:
    """Literals (case-folded) one of which every match of any of ``patterns`` contains,
    or None when some pattern needs none (or cannot be read)."""
    found: set[str] = set()
    for pattern in patterns:
        literals = pattern_anchors(pattern)
        if literals is None:
            return None
        found |= literals
    return frozenset(found)


# Each pattern's anchors, once per process: parsing is most of what a one-post run would
# spend on the packs (rules.py fills this from its cache of the built-in packs).
KNOWN: dict[str, frozenset[str] | None] = {}


def pattern_anchors(pattern: str) -> frozenset[str] | None:
    """The anchors of one pattern (see anchors_of)."""
    if pattern not in KNOWN:
        try:
            literals = _anchors(sre_parse.parse(pattern))
        except Exception:  # a pattern Python's own parser cannot read here: always run it
            literals = None
        KNOWN[pattern] = frozenset(fold(literal) for literal in literals) if literals else None
    return KNOWN[pattern]


def _one_literal(items) -> bool:
    return len(items) == 1 and items[0][0] is sre_parse.LITERAL


def _anchors(items) -> set[str] | None:
    """Literal strings one of which every match of a parsed pattern contains (None: unknown).

    Sound, not complete: anything but plain literals, groups, alternatives whose every
    branch has a literal and repeats of at least one ends a literal run (a repeated
    single character extends it by its minimum count)."""
    best: set[str] | None = None
    run = ""

    def consider(candidate):
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for code, value in [*items, (None, None)]:
        if code is sre_parse.LITERAL:
            run += chr(value)
            continue
        if code in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and value[0] >= 1 and _one_literal(value[2]):
            low, high, (_, char) = value[0], value[1], value[2][0]
            run += chr(char) * low  # "\.{3}" is "...", and "ab+c" holds "ab" and "bc"
            if high != low:
                consider({run})
                run = chr(char) * low
            continue
        consider({run} if run else None)
        run = ""
        if code is sre_parse.SUBPATTERN:
            consider(_anchors(value[-1]))
        elif code is sre_parse.BRANCH:
            branches = [_anchors(branch) for branch in value[1]]
            if all(branches):
                consider(set().union(*branches))
        elif code in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and value[0] >= 1:
            consider(_anchors(value[2]))
    return best
