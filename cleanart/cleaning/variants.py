"""Whole pages: text written twice, once for each screen size, is kept once.

Responsive sites often put the article in the page twice, a desktop and a mobile
layout, and let CSS show one (Bootstrap's ``d-none d-md-block`` beside ``d-md-none``,
``visible-xs``, Tailwind's ``md:hidden``, Framer's ``ssr-variant hidden-…``, Webflow's
``w-condition-invisible``).  Read without the style sheet, the article comes out
twice.  A paragraph whose two copies part under an element marked as such a variant
goes, at its highest ancestor that repeats the other copy whole: the marked copy, or
the later one when both are marked.  Text repeated for other reasons (an API
reference's field descriptions, a quoted reply, a pull quote) has no such mark and
stays.
"""

from __future__ import annotations

import re

from ..dom import attached, excerpt, is_element, remove, text_of
from .actions import Action

# Class words that show or hide an element at some screen size (or always, until a
# script decides).  Each a regular expression over the class attribute.
VARIANT_CLASSES = [
    # mobile, desktop-only, show-mobile, hide_on_desktop (not mobile-menu, desktop-layout)
    r"(?<![\w-])(?:(?:show|hide|visible|hidden|only)[-_]?(?:on|for)?[-_]?)?(?:mobile|desktop|tablet)"
    r"(?:[-_]?(?:only|view|version|visible|hidden|show|hide))?(?![\w-])",  # also showOnDesktop
    r"(?<![\w-])d-(?:none|(?:sm|md|lg|xl|xxl)-(?:none|block|flex|grid|inline[\w-]*))(?![\w-])",  # Bootstrap
    # hidden-xs, visible-md-block, hide-for-small-only (not show-more, hidden-print)
    r"(?<![\w-])(?:hidden|visible|show|hide)-(?:(?:up|down)-)?(?:xs|sm|md|lg|xl|xxl|for-[\w-]+)"
    r"(?:-(?:up|down|only|block|inline|flex|inline-block))?(?![\w-])",  # also hidden-down-md, hidden-sm-up
    r"(?<![\w-])hidden-(?=[a-z]*\d)[a-z\d]{5,9}(?![\w-])",  # Framer's hidden-12t0irv (a hash, with a digit)
    r"(?<![\w:-])(?:sm|md|lg|xl):(?:hidden|block|flex)(?![\w-])",  # Tailwind
    r"(?<![\w-])ssr-variant(?![\w-])",  # Framer: one copy per breakpoint
    r"(?<![\w-])w-condition-invisible(?![\w-])",  # Webflow: hidden by a condition
    # a carousel's copies of its first and last slides, made so that it can loop
    r"(?<![\w-])(?:slick-cloned|swiper-slide-duplicate|splide__slide--clone|glide__slide--clone|cloned)(?![\w-])",
]
VARIANT = re.compile("|".join(VARIANT_CLASSES), re.I)
PARAGRAPHS = ("p", "li", "h2", "h3", "h4", "dd")
MIN_TEXT = 40  # characters: shorter lines repeat for many reasons


def drop_screen_variants(root, actions: list[Action]) -> None:
    """Remove the second copy of text a page holds once per screen size.

    Paragraphs are matched by the text they open with (no tree walk per paragraph:
    one matching paragraph finds a copy, which then goes at its highest ancestor that
    repeats the other copy whole)."""
    first: dict[str, object] = {}
    removed = False
    for paragraph in list(root.iter(*PARAGRAPHS)):  # a list: removals must not end the walk
        text = paragraph.text
        if text is None or len(text) < MIN_TEXT:  # or its first child's: <p><span>…
            if not len(paragraph) or not is_element(paragraph[0]):  # not a comment's text
                continue
            text = paragraph[0].text
            if text is None or len(text) < MIN_TEXT:
                continue
        opening = " ".join(text.split())  # copies are indented differently
        earlier = first.setdefault(opening, paragraph)
        if earlier is paragraph or earlier is paragraph.getparent():  # <li><p>: one item
            continue
        if removed and not attached(paragraph, root):
            continue
        if removed and not attached(earlier, root):
            first[opening] = paragraph
            continue
        dropped = _variant_copy(earlier, paragraph)
        if dropped is not None:
            removed = True
            actions.append(Action("page.screen-variant", "remove", excerpt(dropped)))
            remove(dropped)
            if dropped is earlier:
                first[opening] = paragraph


def _variant_copy(earlier, later):
    """The highest element of the copy to drop, or None when the two are not variants."""
    if _squashed(earlier) != _squashed(later):
        return None
    common = set(earlier.iterancestors())
    ancestor = next(a for a in later.iterancestors() if a in common)
    marked_earlier = _marks_between(earlier, ancestor)
    marked_later = _marks_between(later, ancestor)
    if marked_earlier == marked_later:  # unmarked, or two items shown alike (cards of a list)
        return None
    drop, keep = (earlier, later) if marked_earlier and not marked_later else (later, earlier)
    while True:  # climb while the two copies' parents still hold the same text
        up_drop, up_keep = drop.getparent(), keep.getparent()
        if up_drop is ancestor or up_keep is ancestor or _squashed(up_drop) != _squashed(up_keep):
            return drop
        drop, keep = up_drop, up_keep


def _marks_between(element, ancestor) -> frozenset[str]:
    """The screen-variant class words from ``element`` up to (not including) ``ancestor``."""
    marks: set[str] = set()
    while element is not ancestor:
        marks.update(m.lower() for m in VARIANT.findall(element.get("class") or ""))
        if element.get("aria-hidden") == "true":
            marks.add("aria-hidden")  # a copy kept from screen readers: a carousel's, a marquee's
        element = element.getparent()
    return frozenset(marks)


def _squashed(element) -> str:
    return " ".join(text_of(element).split())
