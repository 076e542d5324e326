"""What the cleaned body looks like, as Markdown and as plain text."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from cleanart import clean


def md_to_html(markdown: str) -> str:
    """Render Markdown the way a CommonMark/GFM viewer would."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def visible_text(html: str) -> str:
    """Text a reader sees in rendered HTML (tags dropped, entities resolved)."""
    import html as htmlmod

    return htmlmod.unescape(re.sub(r"<[^>]+>", "", html))


# --- kinds of body ------------------------------------------------------------------


def test_html_fragment_becomes_markdown():
    art = clean(
        "<h2>Sub heading</h2>\n<p>Text with <strong>bold</strong>, <em>italics</em> and "
        '<a href="https://example.com/a">a link</a>.</p>'
    )
    lines = art.markdown.splitlines()
    assert "## Sub heading" in lines
    assert "**bold**" in art.markdown
    assert "[a link](https://example.com/a)" in art.markdown
    assert "<p>" not in art.markdown and "<strong>" not in art.markdown
    assert art.text == "Sub heading\n\nText with bold, italics and a link."


WHOLE_PAGE = """<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>Harbour Reopens</title>
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2021-04-28T12:03:15Z">
<link rel="canonical" href="https://example.com/news/harbour">
<style>body { color: red }</style>
<script>var tracker = 1;</script>
</head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article>
<h1>Harbour Reopens</h1>
<p>The old harbour reopened on Monday after two years of repairs to the sea wall.</p>
<p>Fishing boats returned within hours, and the market opened the next morning.</p>
</article>
<footer>Copyright 2021 Example News. All rights reserved.</footer>
</body></html>
"""


def test_whole_html_document_metadata_from_head():
    art = clean(WHOLE_PAGE)
    assert art.meta["title"] == "Harbour Reopens"
    assert art.meta["author"] == "Jane Roe"
    assert art.meta["date"] == "2021-04-28T12:03:15+00:00"
    assert art.meta["url"] == "https://example.com/news/harbour"
    assert "The old harbour reopened on Monday" in art.text
    assert "Fishing boats returned" in art.text
    for junk in ("var tracker", "color: red", "Home", "All rights reserved"):
        assert junk not in art.text
        assert junk not in art.markdown


def test_header_wins_over_html_head():
    raw = "---\ntitle: From Header\nauthor: Header Author\ndate: 2020-01-01\n---\n" + WHOLE_PAGE
    art = clean(raw)
    assert art.meta["title"] == "From Header"
    assert art.meta["author"] == "Header Author"
    assert art.meta["date"] == "2020-01-01"
    # what the header did not say still comes from <head>
    assert art.meta["url"] == "https://example.com/news/harbour"


def test_markdown_body_passes_through_normalised():
    raw = (
        "---\ntitle: Notes\n---\n"
        "# Notes\n\n\n\nSome *emphasis* and **strong** text.   \n\n"
        "* apple\n* pear\n\n"
        "[docs](https://example.com/docs)\n"
    )
    art = clean(raw)
    html = md_to_html(art.markdown)
    assert "<h1>Notes</h1>" in html
    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<li>apple</li>" in html and "<li>pear</li>" in html
    assert '<a href="https://example.com/docs">docs</a>' in html
    assert "\n\n\n" not in art.markdown  # runs of blank lines collapsed
    assert not any(line != line.rstrip() for line in art.markdown.splitlines())
    assert art.text.splitlines()[0] == "Notes"
    assert "*" not in art.text and "#" not in art.text


def test_plain_text_body_keeps_paragraphs():
    raw = "First paragraph, plain.\n\nSecond paragraph, also plain.\n\nThird one.\n"
    art = clean(raw)
    assert art.text == "First paragraph, plain.\n\nSecond paragraph, also plain.\n\nThird one."
    assert art.stats["paragraphs"] == 3


# --- idempotence ------------------------------------------------------------------------

ZH_NEWS = """---
title: 本市新建三座公园
date: 2021-05-06 08:00:00
categories: 新闻
---
<div class="share">分享到：微信 微博</div>
<p>　　本报讯（记者 张三）本市今年将新建三座城市公园，
预计年底前全部完工。</p>
<p>　　据介绍，新公园将配备儿童游乐设施和<strong>健身步道。</strong>市民可免费入园。</p>
<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="https://img.example.com/park.jpg" alt="公园效果图"></p>
<p>（责任编辑：李四）</p>
<p>来源：本市日报</p>
"""

EN_POST = """---
title: "Five Things About Tables"
tags: [markdown, html]
---
<p>Intro with <em>emphasis</em>, <strong>strong</strong>, <code>inline_code()</code> and
a <a href="https://example.com/x?a=1&amp;b=2">link with query</a>.</p>
<ul><li>one item</li><li>two <a href="https://example.com/2">linked</a></li></ul>
<ol><li>first</li><li>second</li></ol>
<table><tr><th>Name</th><th>Qty</th></tr><tr><td>Apple</td><td>3</td></tr><tr><td>Pear</td><td>10</td></tr></table>
<pre><code class="language-python">def double(x):
    return x * 2
</code></pre>
<p><img src="https://example.com/chart.png" alt="A chart"></p>
<blockquote><p>A quoted line.</p></blockquote>
<p>Price is 5 * 3 = 15 and file_name_here stays.</p>
"""

PLAIN_MD = "# Title\n\nA paragraph with `code` and a [link](https://e.com).\n\n- a\n- b\n"


@pytest.mark.parametrize(
    "raw", [ZH_NEWS, EN_POST, PLAIN_MD, WHOLE_PAGE], ids=["zh-news", "en-post", "markdown", "whole-page"]
)
def test_cleaning_twice_changes_nothing(raw):
    once = clean(raw).render("md")
    twice = clean(once).render("md")
    assert twice == once


@pytest.mark.parametrize("raw", [ZH_NEWS, EN_POST], ids=["zh-news", "en-post"])
def test_text_of_cleaned_markdown_is_same_text(raw):
    first = clean(raw)
    assert clean(first.render("md")).text == first.text


def test_en_post_markdown_renders_all_structures():
    art = clean(EN_POST)
    html = md_to_html(art.markdown)
    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<code>inline_code()</code>" in html
    assert 'href="https://example.com/x?a=1&amp;b=2"' in html
    assert "<li>one item</li>" in html
    assert "<ol>" in html and "<li>first</li>" in html
    assert "<table>" in html and "<td>Apple</td>" in html
    assert '<img src="https://example.com/chart.png" alt="A chart"' in html
    assert "<blockquote>" in html
    assert "5 * 3 = 15" in visible_text(html)
    assert "file_name_here" in visible_text(html)


def test_code_block_keeps_its_lines_in_markdown():
    art = clean(EN_POST)
    html = md_to_html(art.markdown)
    assert "<pre><code" in html
    assert "def double(x):\n    return x * 2" in html


def test_code_block_keeps_its_language():
    art = clean(EN_POST)
    assert "```python\ndef double(x):\n    return x * 2\n```" in art.markdown


def test_code_block_keeps_its_lines_in_text():
    art = clean(EN_POST)
    assert "def double(x):\n    return x * 2" in art.text


def test_pre_without_code_keeps_line_breaks():
    art = clean("<pre>line one\n  line two</pre>")
    assert "line one\n  line two" in md_to_html(art.markdown)
    assert art.text == "line one\n  line two"


@pytest.mark.parametrize(
    "pre",
    [
        "<pre>import os<br>import sys<br><br>print(os.sep)</pre>",  # lines ended by <br>
        "<pre>import os<br>\nimport sys<br>\n<br>\nprint(os.sep)</pre>",  # <br> and a line break: one line end
        "<pre>import os<div>import sys</div><div></div><div>print(os.sep)</div></pre>",  # a line before a block
        "<pre><code><div>import os</div><div>import sys</div><div></div><div>print(os.sep)</div></code></pre>",
    ],
)
def test_code_lines_written_as_br_or_one_block_each_stay_lines(pre):
    """Editors and highlighters that end code lines with <br> or put each in a <div>: the
    lines must not run together ("osimport sys")."""
    art = clean("<p>Intro.</p>" + pre)
    assert "import os\nimport sys\n" in art.text, art.text
    assert "```\nimport os\nimport sys\n" in art.markdown, art.markdown
    assert "print(os.sep)" in art.text


def test_zh_news_boilerplate_removed_and_credits_moved():
    art = clean(ZH_NEWS)
    assert "分享到" not in art.text
    assert "责任编辑" not in art.text
    assert "本报讯" in art.text
    assert "![公园效果图](https://img.example.com/park.jpg)" in art.markdown


# --- CJK and whitespace ---------------------------------------------------------------


def test_line_break_inside_chinese_joins_without_space():
    art = clean("<p>本市今年将新建三座城市公园，\n预计年底前全部完工。</p>")
    assert art.text == "本市今年将新建三座城市公园，预计年底前全部完工。"
    assert "公园，预计" in art.markdown
    assert "，\n" not in art.markdown and "， 预" not in art.markdown


def test_line_break_inside_chinese_markdown_body_joins():
    art = clean("第一句话还没有说\n完就换行了。\n")
    assert art.text == "第一句话还没有说完就换行了。"


def test_line_break_between_english_words_becomes_space():
    art = clean("<p>one two\nthree</p>")
    assert art.text == "one two three"


INDENTED = "<p>\u3000\u3000第一段开头缩进。</p><p>&nbsp;&nbsp;&nbsp;&nbsp;Second paragraph.</p>"


def test_indentation_stripped_by_default():
    art = clean(INDENTED)
    assert art.text == "第一段开头缩进。\n\nSecond paragraph."
    assert "\u3000" not in art.markdown
    assert "\u00a0" not in art.markdown
    assert "&nbsp;" not in art.markdown


def test_indentation_kept_with_keep_indent():
    art = clean(INDENTED, keep_indent=True)
    paras = art.text.split("\n\n")
    assert paras[0] == "\u3000\u3000第一段开头缩进。"
    assert paras[1].startswith(("\u00a0", " ")) and paras[1].endswith("Second paragraph.")


@pytest.mark.parametrize(
    "char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"], ids=["ZWSP", "ZWNJ", "ZWJ", "WJ", "BOM"]
)
def test_zero_width_characters_removed(char):
    art = clean(f"<p>ze{char}ro wid{char}th</p>")
    assert art.text == "zero width"
    assert art.markdown.strip() == "zero width"


def test_zero_width_space_removed_from_markdown_body_and_title():
    art = clean("---\ntitle: Ti\u200btle\n---\nHel\u200blo wor\u200bld\n")
    assert art.text == "Hello world"
    assert art.meta["title"] == "Title"


def test_long_lines_are_not_hard_wrapped():
    sentence = "This sentence is deliberately long so a wrapping renderer would break it. " * 8
    zh = "这是一个非常长的中文段落，用来检查输出是否会被硬性折行。" * 10
    art = clean(f"<p>{sentence.strip()}</p><p>{zh}</p>")
    assert art.text.split("\n\n") == [sentence.strip(), zh]
    md_lines = [line for line in art.markdown.splitlines() if line]
    assert md_lines == [sentence.strip(), zh]


def test_bold_ending_in_chinese_punctuation_renders_as_emphasis():
    art = clean("<p><strong>粗体。</strong>后文继续</p><p>前文<b>重点：</b>内容</p>")
    html = md_to_html(art.markdown)
    assert html.count("<strong>") == 2
    assert "**" not in visible_text(html)
    assert art.text == "粗体。后文继续\n\n前文重点：内容"


def test_emphasis_next_to_chinese_renders():
    art = clean("<p>这是<em>强调</em>文字</p>")
    html = md_to_html(art.markdown)
    assert "<em>强调</em>" in html
    assert "*" not in visible_text(html)


# --- junk removal ------------------------------------------------------------------------

JUNK = {
    "script": ('<script>alert("x")</script>', "alert"),
    "style": ("<style>.a { color: blue }</style>", "color"),
    "comment": ("<!-- a secret comment -->", "secret"),
    "iframe": ('<iframe src="https://ads.example.com/frame">frame text</iframe>', "ads.example"),
    "form": (
        '<form action="/subscribe"><input name="email" value="you@x.y"><button>Subscribe now</button></form>',
        "Subscribe",
    ),
    "display-none": ('<div style="display:none">hidden by style</div>', "hidden"),
    "display-none-spaced": ('<div style="color: red; display: none;">hidden spaced</div>', "hidden"),
    "hidden-attribute": ("<p hidden>hidden attribute</p>", "hidden"),
    "pixel-attrs": ('<img src="https://track.example.com/pixel.gif" width="1" height="1">', "track."),
    "pixel-style": ('<img src="https://track.example.com/p2.gif" style="width:1px;height:1px">', "track."),
    "noscript": ("<noscript>enable javascript please</noscript>", "javascript"),
}


@pytest.mark.parametrize("junk, word", JUNK.values(), ids=JUNK.keys())
def test_junk_element_removed(junk, word):
    art = clean(f"<p>Keep this paragraph.</p>\n{junk}\n<p>And keep this one.</p>")
    assert art.text == "Keep this paragraph.\n\nAnd keep this one."
    assert word not in art.markdown
    assert art.stats["images"] == 0
    assert art.stats["links"] == 0


def test_lazy_data_src_image_resolved():
    art = clean(
        '<p>Look:</p><p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
        'data-src="https://cdn.example.com/cat.jpg" alt="A cat"></p>'
    )
    assert "![A cat](https://cdn.example.com/cat.jpg)" in art.markdown
    assert "data:image" not in art.markdown


@pytest.mark.parametrize("attr", ["data-original", "data-lazy-src", "data-actualsrc"])
def test_other_lazy_attributes_resolved(attr):
    art = clean(f'<p>x</p><img src="/blank.gif" {attr}="https://cdn.example.com/d.jpg" alt="d">')
    assert "![d](https://cdn.example.com/d.jpg)" in art.markdown


# --- tables and lists ----------------------------------------------------------------------

TABLE = (
    "<table><thead><tr><th>Name</th><th>Age</th></tr></thead>"
    "<tbody><tr><td>Ann</td><td>30</td></tr><tr><td>Bob</td><td>41</td></tr></tbody></table>"
)


def test_table_is_pipe_table_in_markdown():
    art = clean("<p>Before.</p>" + TABLE + "<p>After.</p>")
    html = md_to_html(art.markdown)
    assert "<table>" in html
    assert "<th>Name</th>" in html and "<td>Bob</td>" in html and "<td>41</td>" in html
    assert "|" in art.markdown
    assert "<p>After.</p>" in html


def test_table_without_thead_is_still_a_table():
    art = clean("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>")
    html = md_to_html(art.markdown)
    assert "<table>" in html
    assert "<td>d</td>" in html


def test_table_is_tab_separated_rows_in_text():
    art = clean(TABLE)
    assert art.text == "Name\tAge\nAnn\t30\nBob\t41"


def test_pipe_in_cell_is_escaped_in_markdown():
    art = clean("<table><tr><th>Expr</th><th>V</th></tr><tr><td>a | b</td><td>1</td></tr></table>")
    html = md_to_html(art.markdown)
    assert "<td>a | b</td>" in html
    assert html.count("<td>") == 2


def test_single_column_table_is_still_a_table():
    art = clean("<table><tr><th>Only</th></tr><tr><td>x</td></tr><tr><td>y</td></tr></table>")
    html = md_to_html(art.markdown)
    assert "<table>" in html
    assert "<td>x</td>" in html and "<td>y</td>" in html
    assert art.text == "Only\nx\ny"


def test_lists_one_item_per_line_in_text():
    art = clean("<ul><li>apple</li><li>pear</li></ul><ol><li>first</li><li>second</li></ol>")
    lines = [line.strip() for line in art.text.splitlines() if line.strip()]
    assert lines == ["apple", "pear", "first", "second"]


def test_lists_render_as_lists_in_markdown():
    art = clean("<ul><li>apple</li><li>pear</li></ul><ol><li>first</li><li>second</li></ol>")
    html = md_to_html(art.markdown)
    assert "<ul>" in html and "<ol>" in html
    assert html.count("<li>") == 4


# --- links and images ------------------------------------------------------------------------

LINKED = (
    '<p>Read <a href="https://example.com/guide">the guide</a> first.</p>'
    '<p><img src="https://example.com/fig.png" alt="Figure 1"></p>'
)


def test_no_links_keeps_link_text():
    art = clean(LINKED, links=False)
    assert "Read the guide first." in art.markdown
    assert "https://example.com/guide" not in art.markdown
    assert "](" not in art.markdown.replace("![Figure 1](https://example.com/fig.png)", "")
    assert art.stats["links"] == 0


def test_no_images_drops_images():
    art = clean(LINKED, images=False)
    assert "fig.png" not in art.markdown
    assert "![" not in art.markdown
    assert "[the guide](https://example.com/guide)" in art.markdown
    assert art.stats["images"] == 0


def test_links_and_images_kept_by_default():
    art = clean(LINKED)
    assert "[the guide](https://example.com/guide)" in art.markdown
    assert "![Figure 1](https://example.com/fig.png)" in art.markdown
    assert art.stats["links"] == 1
    assert art.stats["images"] == 1


# --- plain text output ----------------------------------------------------------------------


def test_txt_has_no_markdown_syntax_and_no_urls():
    art = clean(EN_POST)
    txt = art.render("txt")
    assert "http" not in txt
    assert "**" not in txt and "](" not in txt and "![" not in txt
    assert "```" not in txt
    assert not re.search(r"^\s*(#+|>|[-*] |\d+\. )", txt, re.M), txt
    assert "|" not in txt
    assert "---" not in txt
    assert "emphasis" in txt and "link with query" in txt and "Apple" in txt


def test_txt_of_markdown_body_has_no_markdown_syntax():
    art = clean("## Heading\n\n> quote\n\n1. one\n2. two\n\n**bold** [l](https://x.y/)\n")
    txt = art.render("txt")
    for syntax in ("#", ">", "**", "](", "https", "1."):
        assert syntax not in txt, syntax
    assert [line for line in txt.splitlines() if line] == ["Heading", "quote", "one", "two", "bold l"]


# --- literal text stays literal -----------------------------------------------------------------


def test_escaped_html_in_text_stays_literal_after_commonmark_render():
    art = clean("<p>a &lt;div&gt; b</p>")
    assert art.text == "a <div> b"
    html = md_to_html(art.markdown)
    assert "<div>" not in html
    assert visible_text(html).strip() == "a <div> b"


def test_escaped_script_tag_text_stays_literal():
    art = clean("<p>Never write &lt;script&gt;alert(1)&lt;/script&gt; in a page.</p>")
    html = md_to_html(art.markdown)
    assert "<script>" not in html
    assert "<script>alert(1)</script>" in visible_text(html)


@pytest.mark.parametrize(
    "text",
    [
        "use *stars* here",
        "use _underscores_ here",
        "snake_case_name and __init__",
        "1. not a list because it is mid-text? no: a # hash",
        "[not a link](really)",
        "a `tick` b",
    ],
)
def test_markdown_characters_in_text_are_not_interpreted(text):
    art = clean(f"<p>{text}</p>")
    assert art.text == text
    html = md_to_html(art.markdown)
    assert "<em>" not in html and "<strong>" not in html
    assert "<a " not in html and "<code>" not in html
    assert visible_text(html).strip() == text


def test_line_starting_with_hash_or_dash_in_html_text_is_not_heading_or_list():
    art = clean("<p># not a heading</p><p>- not a list</p><p>1. not ordered</p>")
    html = md_to_html(art.markdown)
    assert "<h1>" not in html and "<ul>" not in html and "<ol>" not in html
    assert "# not a heading" in visible_text(html)


def test_a_line_break_between_cjk_extension_b_characters_joins_without_a_space():
    from cleanart.text import join_spaces

    assert join_spaces("野𠮷\n𠮷家") == "野𠮷𠮷家"
    assert clean("<p>野𠮷\n𠮷家</p>").text == "野𠮷𠮷家"


@pytest.mark.parametrize(
    "body",
    [
        "<p>one<span>\n\n</span>two</p>",  # a blank line inside an empty inline element
        "<div>one<p>Share this</p>\n\n<span>two</span></div>",  # a removed block between them
        "<b>one</b>\n\n<b>two</b>",  # between inline elements
    ],
)
def test_a_blank_line_between_inline_pieces_parts_them(body):
    assert clean(body).text == "one\n\ntwo"


def test_a_rule_that_empties_a_pretty_printed_body_falls_back_to_the_whole_body():
    # The removed wrapper's first 1,800 characters are indentation: its text is still seen.
    nested = "".join("<div>\n" + " " * 40 for _ in range(45))
    body = "<div class='breadcrumb'>" + nested + "<p>A short story line.</p>" + "</div>" * 46
    article = clean(body)
    assert article.text == "A short story line."
    assert any("cleaning would leave no text" in str(w) for w in article.warnings)
