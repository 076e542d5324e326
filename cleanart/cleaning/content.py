"""Whole pages: find the element that holds the article.

Pages mark their story inconsistently: no <article> at all, one <article> per teaser,
or a whole layout inside <main>.  So every container is scored by the prose it holds,
as readability does: each paragraph of real text gives points (more for length and
for commas, Chinese ones included) to its parent, half to its grandparent and a third
to the level above; a container's class and id words and the page's own article
markers add or take away, and its link density scales the total down.  The best
container is the article, with the siblings that continue it.  Boilerplate inside it
is left to the rules and the generic detector.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ahocorasick_rs import AhoCorasick, MatchKind
from lxml import etree

from ..dom import BLOCK_TAGS, attached, is_element, new_element, text_length, text_of
from ..text import CJK_LETTERS

PARAGRAPHS = frozenset(("p", "pre", "td", "blockquote", "dd", "li", "h2", "h3", "h4"))
CONTAINERS = frozenset(
    ("div", "section", "article", "main", "td", "body", "blockquote", "form", "span", "font", "center")
)
TAG_SCORE = {"div": 5, "article": 8, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3, "form": -3}
PATTERN_SYNTAX = re.compile(r"[\\.^$*+?{}\[\]|()]")


class Names:
    """Class and id words, any of which a value may hold, matched as ``re.I`` does.

    An ASCII value (nearly every class and id) is lowercased and scanned once for all
    the words by Aho-Corasick; the regular expression, which tries each of dozens of
    words at every character, reads the others, and every value when a word is a
    pattern (a lookbehind, a \\b) rather than plain ASCII text."""

    def __init__(self, words: list[str]) -> None:
        self.pattern = re.compile("|".join(words), re.I)
        plain = words and all(w and w.isascii() and not PATTERN_SYNTAX.search(w) for w in words)
        self.scan = AhoCorasick([w.lower() for w in words], matchkind=MatchKind.Standard) if plain else None

    def search(self, value: str) -> bool:
        if self.scan is not None and value.isascii():
            return bool(self.scan.find_matches_as_indexes(value.lower()))
        return self.pattern.search(value) is not None


POSITIVE = Names(
    [
        "article",
        "body",
        "content",
        "entry",
        "hentry",
        "h-entry",
        "main",
        "page",
        "post",
        "text",
        "blog",
        "story",
        "prose",
        "richtext",
        "detail",
        "zhengwen",
        "neirong",
        "wenzhang",
    ]
)
# Class and id words of furniture (each a regular expression, most a plain word):
# page_types.yaml takes some away or adds some for a kind of page (furniture_names).
NEGATIVE_WORDS = [
    "hidden",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "foot",
    "masthead",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "side-bar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "tool",
    "widget",
    "nav",
    "menu",
    "breadcrumb",
    "cookie",
    "consent",
    "newsletter",
    "subscribe",
    "popup",
    "modal",
    "social",
    "recommend",
    "signup",
    "login",
    "header",
    "byline",
    "author-bio",
    "teaser",
    "card",
    "rail",
    "aside",
    "ad-",
    "ads",
    "advert",
]
NEGATIVE = Names(NEGATIVE_WORDS)
MARKED = Names(
    [
        "articlebody",
        "article-body",
        "article_body",
        "post-body",
        "entry-content",
        "post-content",
        "story-body",
    ]
)
# Readability's "unlikely candidates": text under these is not scored, unless the same
# words also say it may be the article.
UNLIKELY_WORDS = [
    "-ad-",
    "banner",
    "breadcrumbs",
    "combx",
    "comment",
    "community",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "ad-break",
    "agegate",
    "pagination",
    "pager",
    "popup",
    "cookie",
    "newsletter",
    "recommend",
    "widget",
]
UNLIKELY = Names(UNLIKELY_WORDS)
MAYBE = Names(["and", "article", "body", "column", "content", "main", "shadow"])
LOOSE_TEXT = frozenset(("div", "section", "article", "main", "td", "center", "blockquote", "dd", "li"))
COMMAS = re.compile(r"[,，、。；;]")
CJK = re.compile(f"[{CJK_LETTERS}]")
MIN_PARAGRAPH = 25  # weighted characters (a CJK character weighs 2.5)
MIN_SCORE = 10  # below this no container stands out: the whole body is kept
SKIP = frozenset(("nav", "aside", "footer", "header", "form", "menu"))


def weighted_length(text: str) -> float:
    """Characters, a CJK character counted as two and a half (it carries a word's worth)."""
    if text.isascii():
        return len(text)
    return len(text) + 1.5 * len(CJK.findall(text))


def class_weight(element, kind: str | None = None) -> int:
    """+25 for article-like class/id words, -25 for furniture-like ones (on this ``kind``
    of page: see furniture_names), +40 for marked bodies."""
    weight = _name_weight(element.get("class"), kind) + _name_weight(element.get("id"), kind)
    if element.get("itemprop") == "articleBody":
        weight += 40
    if element.get("role") == "main":
        weight += 15
    return weight


@lru_cache(maxsize=4096)
def _name_weight(value: str | None, kind: str | None) -> int:
    """The weight of one class or id value (a page repeats the same few many times)."""
    if not value:
        return 0
    weight = 0
    if MARKED.search(value):
        weight += 40
    if furniture_names(kind)[0].search(value):
        weight -= 25
    if POSITIVE.search(value):
        weight += 25
    return weight


def text_beside(element, blocks=BLOCK_TAGS) -> tuple[str, bool]:
    """The text of an element outside its children tagged ``blocks``, whitespace collapsed,
    and whether it has such children."""
    parts = [element.text or ""]
    found = False
    for child in element:
        tag = child.tag
        if tag.__class__ is str:  # an element, not a comment (is_element inlined: hot)
            if tag in blocks:
                found = True
            else:
                parts.append(text_of(child))
        parts.append(child.tail or "")
    text = "".join(parts)
    return ("" if text.isspace() else " ".join(text.split())), found


def own_text(element) -> str:
    """The text of a paragraph-like element, nested paragraphs excluded."""
    return text_beside(element, PARAGRAPHS)[0]


# The text of the links inside an element, each text node once (a link inside a link
# does not count twice).
LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)


def link_density(element, total: int | None = None) -> float:
    if total is None:
        total = text_length(element)
    if not total:
        return 0.0
    linked = sum(map(len, LINK_TEXT(element)))
    return min(1.0, linked / total)


def _furniture(element, body, memo: dict, kind: str | None = None) -> bool:
    """Inside navigation, a header/footer/aside/form, or a container named like furniture
    (memoised: every paragraph asks about the same ancestors)."""
    chain = []
    node, found = element, False
    while node is not None and node is not body:
        if node in memo:
            found = memo[node]
            break
        chain.append(node)
        if node.tag in SKIP or _unlikely((node.get("class") or "") + " " + (node.get("id") or ""), kind):
            found = True
            break
        node = node.getparent()
    for node in chain:
        memo[node] = found
    return found


@lru_cache(maxsize=4096)
def _unlikely(words: str, kind: str | None) -> bool:
    unlikely = furniture_names(kind)[1]
    return bool(words.strip() and unlikely.search(words) and not MAYBE.search(words))


@lru_cache(maxsize=16)
def furniture_names(kind: str | None) -> tuple:
    """(NEGATIVE, UNLIKELY) for a kind of page: without the words that name its content
    there (page_types.yaml's not_furniture: a forum's replies are not a comment box), with
    the words that name furniture there (furniture: a product's reviews)."""
    from .page import kind_says, not_furniture

    words, more = not_furniture(kind), kind_says(kind, "furniture") or []
    if not words and not more:
        return NEGATIVE, UNLIKELY
    return tuple(
        Names([w for w in names if w not in words] + more) for names in (NEGATIVE_WORDS, UNLIKELY_WORDS)
    )


def _br_pieces(element) -> list[str]:
    """The text between the <br>s of an element without blocks."""
    pieces, current = [], [element.text or ""]
    for child in element:
        if is_element(child) and child.tag == "br":
            pieces.append(" ".join("".join(current).split()))
            current = []
        elif is_element(child):
            current.append(text_of(child))
        current.append(child.tail or "")
    pieces.append(" ".join("".join(current).split()))
    return [p for p in pieces if p]


def paragraphs(body):
    """(text, the first element to credit, the paragraph element, its whole text) for
    every paragraph of the page.

    A <p>-like element credits its parent; text standing loose in a <div> (pages that
    never use <p>) counts as a paragraph of that div, or of its parent when the div
    holds nothing else.  lxml picks those elements out (a Python test of every tag cost more)."""
    for element in body.iter(*PARAGRAPHS, *LOOSE_TEXT):
        tag = element.tag
        if tag in PARAGRAPHS and tag not in LOOSE_TEXT:
            text = own_text(element)
            yield text, element.getparent(), element, text
        elif tag in LOOSE_TEXT:
            text, blocks = text_beside(element)
            if not text:
                continue
            if blocks or len(element.findall("br")) < 2:
                yield text, element if blocks else element.getparent(), element, text
            else:  # paragraphs kept apart by <br>: each one counts, for this element
                for piece in _br_pieces(element):
                    yield piece, element, element, text


def _link_text(element, text: str) -> bool:
    """A teaser's summary inside its link, or a paragraph mostly of links: not prose."""
    return _linked(element) or _mostly_links(element, text)


def _linked(element) -> bool:
    """A paragraph that is a link's text (a teaser's summary wrapped in its <a>)."""
    node = element.getparent()
    for _ in range(3):
        if node is None:
            return False
        if node.tag == "a":
            return True
        node = node.getparent()
    return False


def _mostly_links(element, text: str) -> bool:
    """Text that is mostly the text of links among the element's inline children, or a
    teaser: a linked title with the start of a story cut off by an ellipsis."""
    linked = sum(len(" ".join(text_of(a).split())) for a in element if a.tag == "a")
    if linked and text.endswith(TRUNCATED) and _opens_with_link(element):
        return True
    return linked > 0.5 * len(text)


def _opens_with_link(element) -> bool:
    first = element[0] if len(element) else None
    return first is not None and first.tag == "a" and not (element.text or "").strip()


TRUNCATED = ("...", "…", "[…]", "[...]", "…]")


# How a page marks its story, most specific first: itemprop=articleBody, <article>,
# <main>, role=main.
MARKS = (
    lambda e: e.get("itemprop") == "articleBody",
    lambda e: e.tag == "article",
    lambda e: e.tag == "main",
    lambda e: e.get("role") == "main",
)
# Found through the attributes themselves: a predicate on every element's attributes
# (.//*[@itemprop=...]) costs libxml2 three times as much.
MARKED_ELEMENTS = etree.XPath(
    './/@itemprop[.="articleBody"]/.. | .//@role[.="main"]/.. | .//article | .//main'
)


def marked_main(body, kind: str | None = None):
    """The element the page itself marks as the article, when one holds enough of it.

    On a thread (``kind``'s marks: posts), several marks of one kind are its posts, none
    of them the page, and a mark holding a small share of it is one post."""
    from .page import kind_says

    marked = MARKED_ELEMENTS(body)  # one walk for all four marks
    if not marked:
        return None
    posts = kind_says(kind, "marks") == "posts"
    total = len(text_of(body).strip()) or 1
    for rank, is_marked in enumerate(MARKS):
        candidates = [e for e in marked if is_marked(e)]
        if not candidates or (posts and len(candidates) > 1):
            continue
        sizes = {t: len(text_of(t).strip()) for t in candidates}
        best = max(candidates, key=sizes.get)
        size = sizes[best]
        if size >= 0.25 * total:
            return best
        if posts:
            continue  # a short mark on a thread is its opening post (articleBody), not the replies
        if len(candidates) == 1 and size >= 500 and not _outweighed(best, body, kind):
            return best  # a short teaser marked <article> is not the story
        others = [sizes[t] for t in _apart(best, candidates)]
        if others and size >= 1000 and size >= DOMINANT * max(others):
            return best  # the story among teasers: one <article> many times the longest of the others
        if rank == 0 and len(candidates) == 1 and size >= 200:
            return best  # schema.org's articleBody says exactly where the story is, short or not
    return None


DOMINANT = 5  # the story's <article> holds this many times the text of any teaser's
OUTWEIGHS = 3  # prose outside a mark this many times its text: the mark is not the story


def _outweighed(marked, body, kind: str | None) -> bool:
    """Whether the page's best container of prose lies outside a mark that holds a small
    share of the page (a <main> around a footer's call to action, the story beside it)
    and holds several times its text."""
    found = _scored_main(body, True, kind, _teasers(kind))  # a look: nothing moves
    if found is None:
        return False
    top, kept = found
    apart = not attached(marked, top) and not attached(top, marked)
    return apart and _size(kept) >= OUTWEIGHS * _size([marked])


def _apart(element, candidates) -> list:
    """The candidates neither inside ``element`` nor around it."""
    return [t for t in candidates if not attached(t, element) and not attached(element, t)]


def main_content(body, kind: str | None = None):
    """The element holding the article (``body`` when nothing stands out); ``kind`` is
    the page's type (page_types.yaml), when it says one."""
    marked = marked_main(body, kind)
    chosen = scored_main(body if marked is None else marked, kind, _teasers(kind))
    if marked is not None and chosen is not marked and _slight(chosen, marked):
        return marked
    return chosen


SLIGHT = 500  # characters: prose this short, in a mark many times its size, is not what the mark holds
SLIGHT_SHARE = 0.2


def _slight(chosen, marked) -> bool:
    """Whether the prose chosen inside the page's own mark is a short intro to what the
    mark holds (a listing's items, a hub's cards): then the mark is the content."""
    size = _size([chosen])
    return size < SLIGHT and size < SLIGHT_SHARE * _size([marked])


def left_out(body, chosen):
    """The Action that says what the choice of the article left out of the page (for
    explain): the start of the text outside ``chosen``, and the share of text kept."""
    from ..dom import EXCERPT_CHUNK
    from .actions import Action

    pieces, seen = [], 0
    walker = etree.iterwalk(body, events=("start", "end"))
    for event, node in walker:
        if event == "start" and node is chosen:
            walker.skip_subtree()
            continue
        if event == "start":
            piece = node.text if is_element(node) and node.tag not in ("script", "style") else None
        else:
            piece = node.tail if node is not body else None
        if piece:
            pieces.append(piece[:EXCERPT_CHUNK])
            seen += len(piece.strip())
            if seen > EXCERPT:
                break
    text = " ".join(" ".join(pieces).split())
    kept = text_length(chosen)
    total = text_length(body) + (0 if attached(chosen, body) else kept)  # a wrapper of moved parts is apart
    name = chosen.tag + "".join(f".{c}" for c in (chosen.get("class") or "").split()[:2])
    why = f"outside the article ({name}: {kept:,} of {total:,} characters kept)"
    shown = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
    return Action("page.main-content", "remove", shown, reasons=why)


EXCERPT = 200  # characters of the left-out text that explain shows


def _teasers(kind: str | None) -> bool:
    """Whether linked titles and summaries are content on this kind of page (a listing's)."""
    from .page import kind_says

    return kind_says(kind, "teasers") == "content"


def scored_main(body, kind: str | None = None, teasers: bool = False):
    """The container with the most prose, grown until it holds most of the page's prose.

    Text under furniture-like names is not scored; when nothing then stands out, or
    what does is short, the page is scored again with it (as readability retries: a
    class such as "pageRow" reads like "pager", and a whole story can sit under one).
    The second choice wins when it holds more text and stands apart from the first (a
    choice around the first is the same story with more of the page).  Nothing moves
    until the choice is made: the story and the siblings that continue it are wrapped
    only then."""
    found = _scored_main(body, True, kind, teasers)
    if found is None or _size(found[1]) < RETRY_BELOW:
        again = _scored_main(body, False, kind, teasers)
        if again is not None and (found is None or _apart_and_longer(again, found)):
            found = again
    if found is None:
        return body
    chosen = found[1]
    if len(chosen) == 1:
        return chosen[0]
    wrapper = new_element("div")
    for element in chosen:
        wrapper.append(element)  # moves it (with its tail) out of the page, which is not written
    return wrapper


RETRY_BELOW = 500  # characters: a choice this short may be a stray box, not the story (readability's)


def _apart_and_longer(again: tuple, found: tuple) -> bool:
    """Whether the second choice (top container, elements kept) holds more text than the
    first and neither top container holds the other."""
    (top, kept), (first_top, first_kept) = again, found
    return _size(kept) > _size(first_kept) and not attached(first_top, top) and not attached(top, first_top)


def _size(elements: list) -> int:
    return sum(len("".join(text_of(e).split())) for e in elements)


def _scored_main(body, skip_furniture: bool, kind: str | None, teasers: bool) -> tuple | None:
    """(the top container, the elements chosen with it), or None when nothing stands out."""
    scores: dict = {}
    prose: list = []  # (credited element, weighted length) of every scored paragraph
    furniture: dict = {}
    for text, parent, element, whole in paragraphs(body):
        size = weighted_length(text)
        if size < MIN_PARAGRAPH or parent is None:
            continue
        if skip_furniture and _furniture(parent, body, furniture, kind):
            continue
        if not teasers and _link_text(element, whole):  # a teaser's summary, a line of links: not prose
            continue
        prose.append((parent, size))
        points = 1 + len(COMMAS.findall(text)) + min(3, size / 100)
        level = 0
        while parent is not None and level < 3:
            if parent.tag in CONTAINERS or parent.tag in ("article", "main"):
                if parent not in scores:
                    scores[parent] = TAG_SCORE.get(parent.tag, 0) + class_weight(parent, kind)
                scores[parent] += points / (1, 2, 3)[level]
            parent, level = parent.getparent(), level + 1
    if not scores:
        return None
    # A listing's items are its links: their density halves a container's score, not more.
    keep = 0.5 if teasers else 1.0
    final = {element: score * (1 - keep * link_density(element)) for element, score in scores.items()}
    top = max(final, key=final.get)
    if top is body:
        return body, [body]
    if final[top] < MIN_SCORE:
        return None
    top = _widen(top, final)
    chosen = _with_siblings(top, final)
    # Recall first: a container that holds only part of the page's prose is one post of a
    # forum thread, one product of a listing: grow it until it holds most of the prose.
    total = sum(size for _, size in prose)
    while _prose_inside(chosen, prose) < PROSE_SHARE * total:
        parent = top.getparent()
        if parent is None or parent is body or parent.tag == "html":
            return body, [body]
        top, chosen = parent, [parent]
    return top, chosen


PROSE_SHARE = 0.8  # the chosen article must hold this share of the page's scored prose


def _prose_inside(elements: list, prose: list) -> float:
    chosen = {id(element) for element in elements}
    inside = 0.0
    for credited, size in prose:
        node = credited
        while node is not None:
            if id(node) in chosen:
                inside += size
                break
            node = node.getparent()
    return inside


def _widen(top, final: dict):
    """Climb while the parent holds much the same text: a story split into several
    columns or pages scores each piece, but their shared parent is the article."""
    while True:
        parent = top.getparent()
        if parent is None or parent.tag in ("body", "html") or final.get(parent, 0) < final[top] * 0.9:
            return top
        top = parent


def _with_siblings(top, final: dict) -> list:
    """The top element with the siblings that continue the article, in page order."""
    parent = top.getparent()
    if parent is None:
        return [top]
    threshold = max(10, final[top] * 0.2)
    kept = []
    for sibling in parent:
        if not is_element(sibling):
            continue
        if sibling is top:
            kept.append(sibling)
            continue
        if sibling.tag in SKIP:
            continue
        if final.get(sibling, 0) >= threshold:
            kept.append(sibling)
        elif sibling.tag == "p":
            text = own_text(sibling)
            size = weighted_length(text)
            density = link_density(sibling, len(text))
            ends = re.search(r"[.。]\s*$", text)
            if (size > 80 and density < 0.25) or (size > 0 and density == 0 and ends):
                kept.append(sibling)
    return kept


PRUNABLE = frozenset(("div", "section", "ul", "ol", "table", "aside", "nav", "dl", "header", "footer"))
ARTICLE_LINKS = 0.25  # a root with more link text than this is a listing: its links are content


def prune_link_lists(root, actions: list, kind: str | None = None) -> None:
    """Inside the chosen article of a whole page: containers that are mostly links and
    hold no sentences (menus, tag clouds, related-story lists) go, innermost first."""
    from ..dom import excerpt, remove
    from .actions import Action

    if link_density(root) > ARTICLE_LINKS:
        return
    for element in reversed(list(root.iter(*PRUNABLE))):
        if element is root or element.getparent() is None:
            continue
        text = text_of(element)
        size = len("".join(text.split()))
        if size < 20 or len(COMMAS.findall(text)) >= 10:
            continue
        density = link_density(element, len(text))
        weight = class_weight(element, kind)
        if density > (0.5 if weight >= 25 else 0.33):
            actions.append(Action("page.link-list", "remove", excerpt(element)))
            remove(element)


CARD_LISTS = ("ul", "ol", "div", "section")
# A price: a currency sign or code next to a number, either side.
PRICE = re.compile(
    r"(?:[$€£¥₹₩₽]|\b(?:USD|EUR|GBP|CAD|AUD|CHF|INR|JPY|Rs\.?|R\$|kr)\s?)\s?\d"
    r"|\d(?:[\d.,\s]*\d)?\s?(?:[€£$₹₽]|\b(?:kr|zł|Kč|USD|EUR|GBP|CHF|lei|Ft)\b)"
)
CARDS = 3  # at least this many priced cards make a grid of other items
CARD_TEXT = 400  # characters: a card is a name, a price and a few words


def prune_item_cards(root, actions: list) -> None:
    """On one product's page: the grids of other products' cards (seen also, similar
    items, bought together), siblings of one shape each holding a link and a price."""
    from ..dom import excerpt, remove
    from .actions import Action

    for parent in list(root.iter(*CARD_LISTS)):
        if len(parent) < CARDS or parent is root or not attached(parent, root):
            continue
        shapes: dict = {}
        for child in parent:
            if is_element(child):
                shapes.setdefault((child.tag, child.get("class")), []).append(child)
        cards = max(shapes.values(), key=len, default=())
        if len(cards) < CARDS:
            continue
        priced = 0
        for card in cards:
            text = text_of(card)
            if len(text) <= CARD_TEXT and PRICE.search(text) and card.find(".//a") is not None:
                priced += 1
        if priced >= CARDS and priced >= 0.6 * len(cards):
            actions.append(Action("page.item-cards", "remove", excerpt(parent)))
            remove(parent)


def drop_title_heading(root, title: str | None, actions: list) -> None:
    """The page's headline repeated as the article's first heading: it is in the metadata."""
    from ..dom import excerpt, remove
    from .actions import Action

    wanted = _squash(title)
    if not wanted:
        return
    for heading in root.iter("h1", "h2", "h3"):
        text = _squash(text_of(heading))
        if text and (text == wanted or (len(text) >= 10 and text in wanted)):
            actions.append(Action("page.title", "remove", excerpt(heading)))
            remove(heading)
        return  # only the first heading can be the headline


def _squash(text: str | None) -> str:
    return re.sub(r"\W+", "", text or "").lower()
