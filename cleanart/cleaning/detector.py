"""The generic boilerplate detector: removes blocks that no rule names.

Rules know the sites they were written for; users scrape hundreds of others.  The
detector scores every block of the body from evidence that holds across sites and
languages (see ``detector.yaml`` beside this file, where the evidence, its weights and
the thresholds live as data) and removes a block whose score reaches the threshold of
the chosen balance.  Recall comes first: cue words count fully only in short blocks,
sentences and length count against removal, and the body's last text is never removed.
Each removal is an ``Action`` whose ``reasons`` name the largest contributions, for
``cleanart explain``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .. import cache
from .. import screen as screens
from ..dom import attached, is_element, remove, text_of
from ..rules import LazyPattern
from ..screen import Screen
from ..text import CJK_LETTERS, EDGE
from .actions import Action, Protection
from .blocks import Run, iter_runs, remove_run
from .embeds import MEDIA_MARK

NO_PROTECTION = Protection()
BALANCES = ("precision", "balanced", "recall")
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
BOLD = frozenset(("strong", "b"))
NOT_CJK = re.compile(f"[^{CJK_LETTERS}]+")
WORD = re.compile(f"[^\\W{CJK_LETTERS}_]+")  # a Latin (non-CJK) word
ASCII_WORD = re.compile("[A-Za-z0-9]+")  # WORD in ASCII text, where a small set is quicker to test
SENTENCE = re.compile(r"[。！？!?]|\.(?=\s)")
CLAUSE = re.compile(r"[；，、,;：:]")
SENTENCE_OR_CLAUSE = re.compile(r"[。！？!?；，、,;]|\.(?=\s|$)")
CELLS = frozenset(("td", "th"))
VISIBLE_URL = re.compile(r"(?:https?://|www\.)[^\s/]+\.[^\s/]+", re.I)
NUMERIC_LABEL = re.compile(
    r"[\d.,]+\s*[kKmMwW万千]?\s*[^\d\s]{1,10}(?:\s*[·•|/]?\s*[\d.,]+\s*[kKmMwW万千]?\s*[^\d\s]{1,10}){0,4}"
)
CLASS_SPLIT = re.compile(r"[\s_\-]+|\d+")


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float  # for a phrase of this kind
    pattern: LazyPattern
    whole: bool  # the phrase must be the whole block
    word_weight: float = 0.0  # for a single word of this kind that only hints (see Lexeme)


class Lexeme(NamedTuple):
    """One pattern of a cue, compiled alone: a long block only asks whether the few
    patterns whose literals it holds match (the cue's whole alternation is slow there)."""

    cue: int  # position in Model.cues
    word: bool  # a hinting word, not a phrase
    pattern: LazyPattern


@dataclass(frozen=True)
class Model:
    thresholds: dict[str, float]
    short: int
    fade: int
    long_penalty: float
    weights: dict[str, float]
    classes: frozenset[str]
    cues: tuple[Cue, ...]
    lexemes: tuple[Lexeme, ...]  # every pattern of every cue, in the screen's order
    screen: Screen  # the lexemes worth matching in a block (most blocks have none)


@lru_cache(maxsize=1)
def model() -> Model:
    """The evidence and weights, read once per process from detector.yaml."""
    import yaml

    from ..frontmatter import SAFE_LOADER

    raw = Path(__file__).with_name("detector.yaml").read_bytes()
    data = yaml.load(raw, Loader=SAFE_LOADER)
    # The patterns' anchors come from the cache when detector.yaml has not changed:
    # parsing them all is most of what a one-post run would spend here.
    entry = cache.key([raw, Path(screens.__file__).read_bytes()])  # anchors as screen.py finds them
    known = cache.load("detector", entry)
    if isinstance(known, dict):
        screens.KNOWN.update(known)
    cues = tuple(
        Cue(
            name,
            spec["weight"],
            _one_pattern(spec["patterns"]),
            bool(spec.get("whole")),
            spec.get("word_weight", 0.0),
        )
        for name, spec in data["cues"].items()
    )
    length = data["length"]
    sources = [
        (position, word, pattern)
        for position, spec in enumerate(data["cues"].values())
        for word, patterns in ((False, spec["patterns"]), (True, spec.get("words") or ()))
        for pattern in patterns
    ]
    screen = Screen([[pattern] for _, _, pattern in sources])
    if not isinstance(known, dict):
        cache.store("detector", entry, {p: screens.pattern_anchors(p) for _, _, p in sources})
    if screen.always:
        raise ValueError(f"detector.yaml: cue pattern {sources[min(screen.always)][2]!r} has no literal text")
    return Model(
        thresholds=data["thresholds"],
        short=length["short"],
        fade=length["fade"],
        long_penalty=length["long_penalty"],
        weights=data["weights"],
        classes=frozenset(data["boiler_classes"]),
        cues=cues,
        lexemes=tuple(Lexeme(cue, word, LazyPattern(pattern, re.I)) for cue, word, pattern in sources),
        screen=screen,
    )


def _one_pattern(patterns: list[str]) -> LazyPattern:
    """A cue's patterns as one, compiled when first used (most runs use a few cues)."""
    return LazyPattern("|".join(f"(?:{p})" for p in patterns), re.I)


@dataclass
class Block:
    """One run of the body with the facts the detector looks at."""

    run: Run
    text: str
    units: int
    link_ratio: float
    heading: bool
    classes: frozenset[str]
    cell: bool
    evidence: list[tuple[str, float]] = field(default_factory=list)
    score: float = 0.0


HEADING_UNITS = 15  # a heading or label this short can turn the blocks under it into boilerplate
LONG_TEXT = 600  # characters: past this a block is long whatever its script (200+ units)


def units_of(text: str) -> int:
    """Length in units: one per CJK character, two per Latin word (a word carries about
    as much as two Chinese characters).  Long text gets a cheap lower bound."""
    if len(text) > LONG_TEXT:
        return len(text) // 3
    if text.isascii():
        return 2 * len(ASCII_WORD.findall(text))
    # Everything but CJK in a few pieces: what they leave out is the CJK count, and the
    # words are in them (each CJK character a regular expression call is much slower).
    rest = NOT_CJK.findall(text)
    return len(text) - sum(map(len, rest)) + 2 * len(WORD.findall(" ".join(rest)))


def link_chars(run: Run) -> int:
    total = 0
    for item in run.items:
        if isinstance(item, tuple) or not is_element(item):
            continue
        if item.tag == "a":
            total += len("".join(text_of(item).split()))
        else:
            total += sum(len("".join(text_of(a).split())) for a in item.iter("a"))
    return total


class Context(NamedTuple):
    """What an element's ancestors (up to eight levels) say about text inside it."""

    words: frozenset[str]  # class and id words
    heading: bool
    in_link: bool
    cell: bool


def _words(element) -> frozenset[str]:
    classes, ident = element.get("class"), element.get("id")
    if not classes and not ident:
        return NO_WORDS  # most elements
    return frozenset(w for w in CLASS_SPLIT.split(f"{classes or ''} {ident or ''}".lower()) if w)


NO_WORDS: frozenset[str] = frozenset()


def context_of(element, root, memo: dict) -> Context:
    """The element's context, built from its parent's (memoised: siblings share ancestors)."""
    found = memo.get(element)
    if found is not None:
        return found
    chain = []
    node = element
    while node is not None and node not in memo and len(chain) < 8:
        chain.append(node)
        if node is root:
            break
        node = node.getparent()
    base = memo.get(node) if node is not None else None
    context = base or Context(frozenset(), False, False, False)
    for node in reversed(chain):
        tag = node.tag
        own = _words(node)
        context = Context(
            context.words | own if own else context.words,
            context.heading or tag in HEADINGS,
            context.in_link or tag == "a",
            context.cell or tag in CELLS,
        )
        memo[node] = context
    return context


def container_facts(run: Run, root, memo: dict) -> tuple[bool, frozenset[str], bool, bool]:
    """Whether the run is a heading, its class/id words, whether in a link, whether in a cell."""
    context = context_of(run.container, root, memo)
    words = context.words
    elements = [i for i in run.items if i.__class__ is not tuple and isinstance(i.tag, str)]
    for item in elements:  # inline wrappers carry classes too (<span class="share">)
        own = _words(item)
        if own:
            words = words | own
    heading = context.heading
    if not heading and len(elements) == 1 and elements[0].tag in BOLD:
        slots = [getattr(i[1], i[0]) or "" for i in run.items if isinstance(i, tuple)]
        heading = not any(s.strip(EDGE) for s in slots)
    return heading, words, context.in_link, context.cell


def blocks_of(root, runs=None) -> list[Block]:
    """The detector's view of each block (``runs``: the blocks, when already listed)."""
    blocks = []
    memo: dict = {}
    for run in iter_runs(root) if runs is None else runs:
        text = run.text
        heading, classes, in_link, cell = container_facts(run, root, memo)
        length = len("".join(text.split())) or 1
        ratio = 1.0 if in_link else min(1.0, link_chars(run) / length)
        blocks.append(Block(run, text, units_of(text), ratio, heading, classes, cell))
    return blocks


def cue_hits(text: str, m: Model, short: bool = True) -> list[tuple[Cue, float, int]]:
    """Each cue kind found in ``text``: (cue, weight, characters its phrases cover).

    Whole-block cues are tried on short blocks only."""
    found: dict[int, list[Lexeme]] = {}
    for index in m.screen.candidates(text):
        lexeme = m.lexemes[index]
        found.setdefault(lexeme.cue, []).append(lexeme)
    hits = []
    for position, lexemes in found.items():
        cue = m.cues[position]
        if cue.whole:
            if short and cue.pattern.fullmatch(text):
                hits.append((cue, cue.weight, len(text)))
            continue
        phrases = [x.pattern for x in lexemes if not x.word]
        if not phrases:
            covered = 0
        elif short:  # how much of the block the phrases cover matters in short blocks only
            covered = sum(len(m.group(0)) for m in cue.pattern.finditer(text))
        else:
            covered = 1 if any(p.search(text) for p in phrases) else 0
        if covered:
            hits.append((cue, cue.weight, covered))
        elif any(x.word and x.pattern.search(text) for x in lexemes):
            hits.append((cue, cue.word_weight, 0))
    return hits


def is_article_text(b: Block) -> bool:
    """A paragraph that reads as article text: long enough, with sentences, few links.

    Two sentence or clause marks are enough: the search stops at the second."""
    if b.units < 40 or b.link_ratio >= 0.3:
        return False
    marks = SENTENCE_OR_CLAUSE.finditer(b.text)
    return next(marks, None) is not None and next(marks, None) is not None


def score_blocks(
    blocks: list[Block], m: Model, threshold: float | None = None, classes=None, weights=None
) -> None:
    """Fill in each block's evidence and score (context needs the whole list).

    With ``threshold``, a block that cannot reach it whatever cues it holds is not
    searched for cues (most article paragraphs): its score is then a lower bound.
    ``classes`` and ``weights`` replace the model's for one kind of page."""
    w = m.weights if weights is None else {**m.weights, **weights}
    n = len(blocks)
    seen: set[str] = set()
    # Link lines that run to the end of the body: a related list, with or without a heading.
    tail_list_from = n
    for i in range(n - 1, -1, -1):
        b = blocks[i]
        if (b.link_ratio >= 0.6 and b.units <= 60) or (b.heading and b.units <= 12):
            tail_list_from = i
            continue
        break
    tail_links = sum(1 for b in blocks[tail_list_from:] if b.link_ratio >= 0.6)
    prose = [is_article_text(b) for b in blocks]
    last_text = max((i for i, is_prose in enumerate(prose) if is_prose), default=-1)
    long_prose = m.short + m.fade
    under_heading = False
    for i, b in enumerate(blocks):
        if prose[i] and b.units > long_prose:
            # Long article text: no cue counts past the fade and nothing else can reach a
            # threshold (tail and head together stay below 1.0), so skip the work.
            b.evidence, b.score = [("long article text", 0.0)], w["bias"] + w["tail"]
            under_heading = False
            continue
        ev: list[tuple[str, float]] = []
        fade = 1.0 if b.units <= m.short else max(0.0, 1.0 - (b.units - m.short) / m.fade)
        # Cue names matter beyond the block's own score only for short ones (headings
        # and labels over a list); other blocks are searched once the rest is known.
        early = fade > 0 and (threshold is None or b.units <= HEADING_UNITS)
        hits = cue_hits(b.text, m, b.units <= m.short) if early else []
        # Edges mean something only in a body with a middle: in a two-block feed item
        # (a linked title and its summary) every block is at an edge.
        if n >= 3 and i >= n - 2:
            ev.append(("tail", w["tail"]))
        elif n >= 5 and i >= 0.8 * n:
            ev.append(("tail zone", w["tail_zone"]))
        if i == 0 and n >= 3:
            ev.append(("head", w["head"]))
        if 0 <= last_text < i:
            ev.append(("after the article text", w["after_content"]))
        if b.cell:
            ev.append(("table cell", w["table_cell"]))
        # A link that shows its address is a reference the author cites; related lists
        # and navigation show titles and labels instead.
        linked = b.link_ratio >= 0.6 and not VISIBLE_URL.search(b.text)
        if linked and b.units <= 40:
            ev.append((f"link density {b.link_ratio:.2f}", w["link_dense"] * b.link_ratio))
        if linked and i >= tail_list_from and tail_links >= 2:
            ev.append(("link list at the end", w["link_tail_list"]))
        # A boilerplate heading turns what follows into boilerplate, until real text.
        if under_heading:
            if prose[i]:
                under_heading = False
            else:
                ev.append(("under a boilerplate heading", w["after_heading"]))
        names = {c.name for c, weight, _ in hits if weight >= c.weight}  # phrases, not words
        if b.heading and b.units <= HEADING_UNITS and names & {"related", "navigation", "comment"}:
            ev.append(("boilerplate heading", w["heading_cue"]))
            under_heading = True
        elif b.units <= 8 and "related" in names and (b.text.endswith((":", "：")) or b.units <= 6):
            under_heading = True
        boiler = sorted(b.classes & (m.classes if classes is None else classes))
        if boiler:
            ev.append((f"class {boiler[0]}", w["boiler_class"] * fade))
        if b.units <= 80:
            key = "".join(b.text.split()).lower()
            if key in seen:
                ev.append(("repeated in the post", w["repeated"]))
            seen.add(key)
        sentences = len(SENTENCE.findall(b.text.rstrip("。.!！?？ ")))
        clauses = len(CLAUSE.findall(b.text))
        if sentences and b.units > 20:
            ev.append((f"{sentences + 1} sentences", w["sentences"] * min(4, sentences)))
        if clauses and b.units > 20:
            ev.append((f"{clauses} clause marks", w["clauses"] * min(6, clauses)))
        if b.units >= 30 and sentences + clauses >= 3 and b.link_ratio < 0.3:
            ev.append(("reads as article text", w["prose"]))
        if b.units <= 20 and not SENTENCE_OR_CLAUSE.search(b.text):
            ev.append(("no sentence", w["no_sentence"]))
        if b.units <= 12 and NUMERIC_LABEL.fullmatch(b.text):
            ev.append(("counter label", w["numeric_label"]))
        if b.units > m.short:
            ev.append((f"{b.units} units long", m.long_penalty * math.log2(b.units / m.short)))
        if not early and fade > 0 and threshold is not None:
            # The most cues can add: the cap (faded weights can still fill it), and the
            # whole-block bonus in a short block.
            most = w["cue_cap"] + (w["whole_cue"] if b.units <= m.short else 0.0)
            if w["bias"] + sum(value for _, value in ev) + most >= threshold - 1e-9:
                hits = cue_hits(b.text, m, b.units <= m.short)
        if hits:
            ev[:0] = cue_evidence(b, hits, fade, m)
        b.evidence = ev
        b.score = w["bias"] + sum(value for _, value in ev)  # cues first, as they were always added


def cue_evidence(b: Block, hits, fade: float, m: Model) -> list[tuple[str, float]]:
    """The cues' share of a block's evidence: the strongest first, capped in total."""
    ev = []
    room = m.weights["cue_cap"]  # several kinds of cue in one block do not add up without end
    for cue, weight, covered in sorted(hits, key=lambda h: -h[1]):
        weight = min(room, weight if cue.whole else weight * fade)
        if weight > 0:
            ev.append((f"cue {cue.name}" + ("" if covered or cue.whole else " (word)"), weight))
            room -= weight
    if not any(c.whole for c, _, _ in hits):
        share = max(covered for _, _, covered in hits) / max(1, len(b.text))
        if share >= 0.5 and b.units <= m.short:
            ev.append(("cue is the whole block", m.weights["whole_cue"]))
    return ev


def is_media(run: Run) -> bool:
    """A video, audio or embed that cleaning turned into a link: content, not a link line."""
    return any(
        not isinstance(item, tuple) and is_element(item) and item.get(MEDIA_MARK) is not None
        for item in run.items
    )


def reasons(block: Block, limit: int = 3) -> str:
    """The largest positive contributions, for explain."""
    positive = sorted((e for e in block.evidence if e[1] > 0), key=lambda e: -e[1])[:limit]
    return " · ".join(name for name, _ in positive) + f" (score {block.score:.1f})"


def detect(
    root, balance: str, actions: list[Action], protect: Protection = NO_PROTECTION, runs=None, kind=None
) -> None:
    """Remove the blocks whose score reaches the balance's threshold.

    ``kind`` is a whole page's type: the class words that name its content there are
    no evidence of boilerplate, and its weights replace the model's (page_types.yaml).
    Blocks a ``keep`` rule covers stay.  The longest block is never removed when all
    would go, so a post always keeps something of its own.
    """
    m = model()
    threshold = m.thresholds[balance]
    blocks = blocks_of(root, runs)
    if not blocks:
        return
    classes = weights = None
    if kind:
        from .page import kind_says, not_furniture

        classes = m.classes - not_furniture(kind)
        weights = kind_says(kind, "detector_weights")
    score_blocks(blocks, m, threshold, classes, weights)
    doomed = [b for b in blocks if b.score >= threshold and not protect.covers(b.run) and not is_media(b.run)]
    if len(doomed) == len(blocks):
        doomed = [b for b in doomed if b is not max(blocks, key=lambda x: (x.units, -x.score))]
    spent: list = []
    for b in doomed:
        actions.append(Action("detector", "drop", b.text, reasons=reasons(b)))
        remove_run(b.run, spent)
    for br in spent:
        if attached(br, root):
            remove(br)
