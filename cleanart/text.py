"""Text rules shared by the stages: CJK-aware whitespace, and article statistics.

Browsers and Markdown renderers turn a source line break into a space; between two
Chinese or Japanese characters that space is wrong (CSS Text's segment-break rule
removes it), so a break there joins without one.  Runs of spaces collapse, but a
full-width space (U+3000) inside text is kept: in CJK text it is deliberate.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# Zero-width characters; a joiner (U+200D) only between letters (it builds emoji).
ZERO_WIDTH = re.compile("[\u200b\u200c\u2060\ufeff\u180e\u00ad]|(?<=\\w)\u200d(?=\\w)")
_ANY_ZERO_WIDTH = re.compile("[\u200b\u200c\u2060\ufeff\u180e\u00ad\u200d]")
# Wide East Asian characters and punctuation (not Hangul: Korean separates words).
# Checked by code point: a regular expression with these ranges costs milliseconds to
# compile in every process.
WIDE_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31A0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFD),  # CJK Extension B and later (planes 2 and 3), e.g. 𠮷
)
CJK_LETTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003fffd"
SPACE_RUN = re.compile(r"[ \t\r\n\f\v\xa0\u2000-\u200a\u202f\u205f]+")
INDENT = re.compile(r"^[ \t\r\n\f\v\xa0\u3000\u2000-\u200a]+")
EDGE = " \t\r\n\f\v\xa0\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"


def is_wide(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in WIDE_RANGES)


ODD_SPACE = re.compile(r"[\t\r\n\f\v\xa0\u2000-\u200a\u202f\u205f]| {2}")


def without_zero_width(text: str) -> str:
    """``text`` without zero-width characters (most text has none: a plain scan says so
    several times faster than the substitution, and ASCII text, known without a scan,
    cannot hold one)."""
    if text.isascii():
        return text
    return ZERO_WIDTH.sub("", text) if _ANY_ZERO_WIDTH.search(text) else text


def join_spaces(text: str) -> str:
    """Collapse whitespace runs; a run holding a line break between wide characters vanishes."""
    if not _odd_space(text):
        return text  # the common case: nothing to join

    def replace(match: re.Match) -> str:
        run = match.group(0)
        if "\n" in run or "\r" in run:
            start, end = match.start(), match.end()
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            if before and after and is_wide(before) and is_wide(after):
                return ""
        return " "

    return SPACE_RUN.sub(replace, text)


def _odd_space(text: str) -> bool:
    """Whether ODD_SPACE matches: in ASCII text, six plain searches say so several times
    faster than the pattern, which tries its alternatives at every character."""
    if not text.isascii():
        return ODD_SPACE.search(text) is not None
    return "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text


def tidy(text: str, keep_indent: bool = False) -> str:
    """One block's text: zero-width characters gone, spaces joined, ends trimmed.

    With ``keep_indent`` a leading run of U+3000 or no-break spaces (a Chinese
    paragraph indent) is kept as it was.
    """
    text = without_zero_width(text)
    indent = ""
    if keep_indent:
        lead = INDENT.match(text)
        if lead:
            indent = "".join(c for c in lead.group(0) if c in "\u3000\xa0")
    return indent + join_spaces(text).strip(EDGE)


SUPERSCRIPT = dict(zip("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ"))
SUBSCRIPT = dict(zip("0123456789+-=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ"))


def script_text(text: str, sup: bool) -> str:
    """<sup>/<sub> content in plain text, so that ``E = mc2`` keeps its meaning.

    ``E = mc²``, ``H₂O`` where Unicode has a form for every character, else ``x^(a+b)``
    and ``x_(i,j)``; a reference mark that reads as one already (``[1]``, ``*``) stays.
    """
    text = " ".join(text.split())
    table = SUPERSCRIPT if sup else SUBSCRIPT
    if not text or (text[0] == "[" and text[-1] == "]") or all(not c.isalnum() for c in text):
        return text
    if all(c in table for c in text):
        return "".join(table[c] for c in text)
    return ("^(" if sup else "_(") + text + ")"


@lru_cache(maxsize=1)
def _word_patterns() -> tuple[re.Pattern, re.Pattern]:
    cjk = re.compile(f"[{CJK_LETTERS}]")
    latin = re.compile(f"[^\\W{CJK_LETTERS}_]+(?:['’.-][^\\W_]+)*")
    return cjk, latin


BLANK_LINE = re.compile(r"\n\s*\n")
LIST_CHARS = 1 << 20  # texts up to this long are counted with lists of matches (faster)


def _blocks(text: str):
    """``BLANK_LINE.split(text)``, one block at a time."""
    start = 0
    for match in BLANK_LINE.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def stats(text: str, images: int, links: int) -> dict:
    """Counts for JSON output; each CJK character counts as a word (as Hugo's hasCJKLanguage)."""
    cjk_letter, latin_word = _word_patterns()
    if len(text) <= LIST_CHARS:
        cjk = len(cjk_letter.findall(text))
        latin = len(latin_word.findall(text))
        blocks = BLANK_LINE.split(text)
    else:  # a huge text: no list of every match (a string per CJK character, 17 bytes each)
        cjk = sum(1 for _ in cjk_letter.finditer(text))
        latin = sum(1 for _ in latin_word.finditer(text))
        blocks = _blocks(text)
    words = cjk + latin
    characters = sum(1 for c in text if not c.isspace())
    paragraphs = sum(1 for block in blocks if block.strip())
    # About 400 CJK characters or 230 Latin words a minute.
    minutes = cjk / 400 + latin / 230
    return {
        "characters": characters,
        "cjk_characters": cjk,
        "words": words,
        "paragraphs": paragraphs,
        "images": images,
        "links": links,
        "reading_minutes": math.ceil(minutes) if words else 0,
    }
