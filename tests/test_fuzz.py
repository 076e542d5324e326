"""Property-based fuzzing of ``cleanart.clean()``.

Random headers with YAML's features, random HTML trees with text in several scripts
and encodings, and random bytes.  The properties:

- ``clean()`` raises nothing but the documented error family (CleanartError,
  HeaderError, RuleError): never a crash of its own;
- the text of every plain ``<p>`` it is given is in the output;
- the Markdown output, converted again, gives the same Markdown and text.

Profiles: ``ci`` (the default, 75 examples a property, for every test run) and
``long`` (10,000 examples), chosen with CLEANART_FUZZ_PROFILE=long; see
benchmarks/fuzz.sh.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleanart
from cleanart.api import CleanartError, HeaderError, RuleError

settings.register_profile(
    "ci", max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "long", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True
)
settings.load_profile(os.environ.get("CLEANART_FUZZ_PROFILE", "ci"))

FAMILY = (CleanartError, HeaderError, RuleError)

# --- text -------------------------------------------------------------------------------

# Letters only (no digits, colons or symbols) so that no built-in boilerplate rule
# (credits "编辑：…", "Pages: 1 2", "© …", "Share") can match a sentence, which would
# rightly drop it; the property is about text that is article text.
SCRIPTS = {
    "latin": "abcdefghijklmnopqrstuvwxyzéèçñøåß",
    "cyrillic": "абвгдежзиклмнопрстуфхцчшщыэюя",
    "greek": "αβγδεζηθικλμνξοπρστυφχψω",
    "cjk": "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん",
    "hangul": "가나다라마바사아자차카타파하고노도로모보소오조호",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
}


@st.composite
def sentence(draw) -> str:
    """Four to twelve words in one script (CJK and kana without spaces)."""
    script = draw(st.sampled_from(sorted(SCRIPTS)))
    alphabet = SCRIPTS[script]
    words = draw(st.lists(st.text(alphabet, min_size=2, max_size=8), min_size=4, max_size=12))
    joiner = "" if script in ("cjk", "kana") else " "
    return joiner.join(words)


# --- HTML trees -------------------------------------------------------------------------

# Neutral containers only: article/main/nav/aside/footer rightly change what is kept.
CONTAINERS = ("div", "section", "blockquote", "span", "b", "i", "em", "strong", "font", "center")


def paragraph(text: str) -> str:
    return f"<p>{text}</p>"


@st.composite
def html_tree(draw, depth: int = 0, lists: bool = True):
    """(html, [texts of the plain <p> elements in it])."""
    parts, kept = [], []
    kinds = ["p", "p", "nest", "inline", "br", "comment"] + (["list"] if lists else [])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        if kind == "p" or (kind == "nest" and depth >= 4):
            text = draw(sentence())
            parts.append(paragraph(text))
            kept.append(text)
        elif kind == "nest":
            tag = draw(st.sampled_from(CONTAINERS[:4]))
            inner, inner_kept = draw(html_tree(depth + 1, lists))
            parts.append(f"<{tag}>{inner}</{tag}>")
            kept += inner_kept
        elif kind == "inline":
            tag = draw(st.sampled_from(CONTAINERS[4:]))
            parts.append(f"<div>{draw(sentence())} <{tag}>{draw(sentence())}</{tag}></div>")
        elif kind == "list":
            items = draw(st.lists(sentence(), min_size=1, max_size=3))
            parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
        elif kind == "br":
            parts.append(f"<div>{draw(sentence())}<br>{draw(sentence())}</div>")
        else:
            parts.append(f"<!-- {draw(sentence())} -->")
    return "".join(parts), kept


# --- headers ----------------------------------------------------------------------------

SCALARS = st.one_of(
    sentence(),
    st.sampled_from(
        [
            "2021-03-22",
            "2021-03-22 03:22:20",
            "2021-02-30",
            "0000-00-00",
            ".nan",
            "-.inf",
            "~",
            "null",
            "yes",
            "0x1F",
            "1e400",
            "'quoted: value'",
            '"double \\u00e9"',
            "!!binary SGVsbG8=",
            "!!str 2021-01-01",
            "!!set {a, b}",
            "[a, b, c]",
            "{name: Ann, url: x}",
            "|\n  literal\n  block",
            "#1 hit",
            "&anchor shared",
        ]
    ),
)
KEYS = st.sampled_from(
    ["title", "date", "updated", "author", "tags", "categories", "image", "url", "null", "true", "x", "Title"]
)


@st.composite
def header(draw) -> str:
    lines = []
    for key in draw(st.lists(KEYS, min_size=0, max_size=8)):  # duplicates allowed: they happen
        value = draw(SCALARS)
        if draw(st.booleans()) and lines:
            value = "*anchor" if any("&anchor" in line for line in lines) else value
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n"


# --- properties -------------------------------------------------------------------------


def squash(text: str) -> str:
    return " ".join(text.split())


def converted(raw):
    """clean(raw), or None when it raised one of the documented errors."""
    try:
        return cleanart.clean(raw)
    except FAMILY:
        return None


@given(st.binary(max_size=4096))
def test_random_bytes_raise_only_documented_errors(data):
    converted(data)


@given(header(), st.text(max_size=300))
def test_random_headers_and_any_text_raise_only_documented_errors(head, body):
    converted(head + body)


@given(header(), html_tree())
def test_every_plain_paragraph_survives_any_header(head, tree):
    html, kept = tree
    article = converted(head + html)
    if article is None:  # a header cleanart refuses (an unsafe tag): refused as a whole
        return
    text = squash(article.text)
    for sentence_text in kept:
        assert squash(sentence_text) in text


# (label declared in the page, codec the text is written in). cleanart reads big5 as
# Big5-HKSCS, as browsers do; it differs from Python's "big5" for Cyrillic and kana.
ENCODINGS = (
    ("utf-8", "utf-8"),
    ("utf-16", "utf-16"),
    ("gb2312", "gb18030"),
    ("shift_jis", "shift_jis"),
    ("euc-kr", "euc_kr"),
    ("big5", "big5hkscs"),
    ("windows-1252", "cp1252"),
    ("koi8-r", "koi8_r"),
    ("iso-8859-7", "iso8859_7"),
)


@given(html_tree(), st.sampled_from(ENCODINGS))
def test_declared_encodings_keep_every_plain_paragraph(tree, encoding):
    html, kept = tree
    label, codec = encoding
    # A whole page, <head> and <body> spelled out. KNOWN CLEANER BUG, left out here and
    # reported: a bare <meta> (or <title>, <link>) followed by an HTML5 element such as
    # <section>, <article> or <figure> loses everything after it (lxml leaves them in
    # <head>, which the cleaner removes).
    declaration = f'<meta charset="{label}">' if codec != "utf-16" else ""
    page = f"<html><head>{declaration}</head><body>{html}</body></html>"
    try:
        data = ("---\ntitle: Encoded\n---\n" + page).encode(codec)
    except UnicodeEncodeError:
        return  # the text's script is not in this encoding
    article = cleanart.clean(data)
    text = squash(article.text)
    for sentence_text in kept:
        assert squash(sentence_text) in text


# KNOWN RENDER BUGS, left out here (no lists in these trees) and reported:
# - two adjacent lists (<ul>…</ul><ul>…</ul>) are written as one Markdown list, so
#   the text read back joins their items with one newline instead of a blank line;
# - a list followed by more content inside a <blockquote> is written with a line
#   that has no ">" ("> - a\n>\n\n>\n> b"), which splits the quote in two.
@given(header(), html_tree(lists=False))
def test_markdown_output_is_stable_when_converted_again(head, tree):
    html, _ = tree
    first = converted(head + html)
    if first is None:
        return
    markdown = first.render("md")
    second = cleanart.clean(markdown)
    assert second.render("md") == markdown
    assert second.text == first.text
