"""Markdown constructs: each HTML input in tests/fixtures/markdown gives the Markdown written
there, that Markdown renders back (CommonMark + tables + strikethrough) to the same text and
structure as the cleaned HTML, and converting it again changes nothing.

Fixture files use markdown-it-py's fixture format: a title line, then ``.``, the input,
``.``, the expected Markdown body, ``.``.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt
from markdown_it.utils import read_fixture_file

from cleanart import clean

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
CASES = [
    pytest.param(source, expected, id=f"{path.stem}:{line}:{title}")
    for path in sorted(FIXTURES.glob("*.txt"))
    for line, title, source, expected in read_fixture_file(path)
]
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def tree(html: str):
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def list_shape(root) -> str:
    """Lists and quotes as brackets: ``ul(li(ul(li li)) li)``; everything else left out."""
    out = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        tag = {"menu": "ul", "dir": "ul"}.get(element.tag, element.tag)
        if tag in ("ul", "ol", "li", "blockquote"):
            out.append(f"{tag}(" if event == "start" else ")")
    return "".join(out)


def tables(root) -> list[list[list[str]]]:
    """Each table's rows as their non-empty cell texts (padding cells are empty)."""
    found = []
    for table in root.iter("table"):
        rows = []
        for tr in table.iter("tr"):
            rows.append(
                [squash(c.text_content()) for c in tr if c.tag in ("td", "th") and c.text_content().strip()]
            )
        found.append(rows)
    return found


def code_blocks(root) -> list[tuple[str, str]]:
    """(language, code) for each code block; the language from class="language-x"."""
    blocks = []
    for pre in root.iter("pre"):
        classes = " ".join((pre.get("class") or "", *(c.get("class") or "" for c in pre.iter("code"))))
        language = re.search(r"language-(\S+)", classes)
        blocks.append((language.group(1) if language else "", pre.text_content().strip("\n")))
    return blocks


def width(table) -> int:
    return max(
        sum(int(c.get("colspan") or 1) for c in tr if c.tag in ("td", "th")) for tr in table.iter("tr")
    )


@pytest.mark.parametrize("source, expected", CASES)
def test_construct_gives_the_expected_markdown(source, expected):
    assert clean(source).markdown == expected


@pytest.mark.parametrize("source, expected", CASES)
def test_markdown_renders_back_to_the_same_text_and_structure(source, expected):
    article = clean(source)
    cleaned, shown = tree(article.html), tree(COMMONMARK.render(article.markdown))
    assert squash(shown.text_content()) == squash(article.text)
    assert list_shape(shown) == list_shape(cleaned)
    assert tables(shown) == tables(cleaned)
    assert code_blocks(shown) == code_blocks(cleaned)
    for source_table, table in zip(cleaned.iter("table"), shown.iter("table")):
        assert all(
            len([c for c in tr if c.tag in ("td", "th")]) == width(source_table) for tr in table.iter("tr")
        )
        caption = source_table.find("caption")
        if caption is not None:  # the caption is the paragraph just above the table
            assert table.getprevious().text_content() == caption.text_content()


@pytest.mark.parametrize("source, expected", CASES)
def test_markdown_output_converts_to_itself(source, expected):
    once = clean(source).render("md")
    assert clean(once).render("md") == once


def md(html: str) -> str:
    return clean(html).markdown


def test_two_adjacent_lists_do_not_merge():
    shown = tree(
        COMMONMARK.render(md("<ul><li>a</li></ul><ul><li>b</li></ul><ol><li>c</li></ol><ol><li>d</li></ol>"))
    )
    assert [e.tag for e in shown] == ["ul", "ul", "ol", "ol"]


def test_nested_list_under_item_ten_is_nested():
    items = "".join(f"<li>item {i}</li>" for i in range(1, 10)) + "<li>item 10<ul><li>inner</li></ul></li>"
    shown = tree(COMMONMARK.render(md(f"<ol>{items}</ol>")))
    assert shown.xpath("count(./ol/li)") == 10
    assert shown.xpath("string(./ol/li[10]/ul/li)") == "inner"


def test_code_fence_longer_than_any_backtick_run_inside():
    markdown = md("<pre><code>````\ninside\n````</code></pre>")
    assert markdown.startswith("`````\n")
    assert tree(COMMONMARK.render(markdown)).findtext(".//code") == "````\ninside\n````\n"


def test_video_fallback_text_is_never_kept():
    article = clean('<video src="/v.mp4">Your browser does not support the video tag.</video><p>Text.</p>')
    assert "does not support" not in article.markdown and "does not support" not in article.text
    assert "[Video: v.mp4](/v.mp4)" in article.markdown


def test_relative_urls_stay_relative_without_a_base():
    assert md('<p><a href="/a">a</a></p>') == "[a](/a)\n"


def test_header_link_key_is_a_base_too():
    raw = "---\nlink: https://blog.example.com/posts/1/\n---\n<p><img src='pic.png' alt='p'></p>"
    assert clean(raw).markdown == "![p](https://blog.example.com/posts/1/pic.png)\n"
    assert clean(raw).html == '<p><img src="https://blog.example.com/posts/1/pic.png" alt="p"></p>\n'


def test_superscript_without_unicode_form_reads_the_same_in_text():
    article = clean("<p>the 1<sup>st</sup> and x<sub>best</sub></p>")
    assert article.text == "the 1^(st) and x_(best)"
    assert tree(COMMONMARK.render(article.markdown)).text_content().strip() == article.text


def test_rendering_markdown_leaves_the_cleaned_tree_as_it_was():
    from cleanart.render import to_html

    raw = (
        "<p>前文<strong>“引号”</strong>后文</p>"
        '<a href="https://example.com/x"><h2>Title</h2><p>Lead</p></a>'
        "<table><tr><td>a<br>b</td></tr></table><figure><img src='https://example.com/i.png'>"
        "<figcaption>Caption</figcaption></figure>"
    )
    article = clean(raw, builtin_rules=False, balance="off")
    before = to_html(article._cleaned.body)
    assert article.markdown
    assert to_html(article._cleaned.body) == before
