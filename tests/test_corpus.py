"""Every real scraped post converts, and its Markdown renders back to its text.

Reads ../shared/corpus (never copied into the project); skips when it is absent.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from conftest import SHARED, cli
from markdown_it import MarkdownIt

from cleanart import clean

RSS = SHARED / "corpus" / "rss"
SEED = SHARED / "corpus" / "seed" / "000.md"
POSTS = sorted(RSS.glob("*.md")) if RSS.is_dir() else []
WEB = SHARED / "corpus" / "web"
PAGES = sorted(WEB.glob("*.html")) if WEB.is_dir() else []

needs_corpus = pytest.mark.skipif(not POSTS, reason="../shared/corpus/rss is not here")
needs_web = pytest.mark.skipif(not PAGES, reason="../shared/corpus/web is not here")
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="../shared/corpus/seed is not here")

COMMONMARK = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rendered_text(markdown: str, code: bool = True) -> str:
    """What a reader sees when the Markdown is rendered by a CommonMark renderer."""
    import lxml.html

    html = COMMONMARK.render(markdown)
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    if not code:
        for block in root.xpath(".//code | .//pre"):
            block.drop_tree()
    return " ".join(root.itertext())


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@needs_corpus
@pytest.mark.parametrize("post", POSTS, ids=lambda p: p.name)
def test_markdown_renders_back_to_the_plain_text(post):
    article = clean(post.read_bytes(), str(post))
    markdown = article.markdown
    shown = rendered_text(markdown)
    prose = rendered_text(markdown, code=False)
    assert "**" not in prose and "~~" not in prose, "emphasis that does not render"
    assert not re.search(r"<[a-zA-Z/][^>]*>", prose), "raw HTML left in the Markdown"
    html = COMMONMARK.render(markdown)
    assert not re.search(
        r"<(?!/?(p|h[1-6]|ul|ol|li|a|img|em|strong|code|pre|blockquote|hr|br|table|thead|tbody|tr|th|td|del|s)\b)[a-zA-Z/]",
        html,
    ), "raw HTML block"
    # Also catches visible backslash escapes: the plain text has none of them.
    assert squash(shown) == squash(article.text)


@needs_corpus
@pytest.mark.parametrize("fmt", ["md", "txt", "json", "html"])
def test_every_post_converts_in_every_format(tmp_path, fmt):
    run = cli("convert", str(RSS), "-o", str(tmp_path), "-t", fmt, "-q")
    assert run.returncode == 0, run.stderr
    outputs = sorted(tmp_path.glob(f"*.{fmt}"))
    assert len(outputs) == len(POSTS)
    if fmt == "json":
        for out in outputs:
            record = json.loads(out.read_text(encoding="utf-8"))
            assert record["source"].endswith(out.stem + ".md")


@needs_corpus
@pytest.mark.parametrize("post", POSTS, ids=lambda p: p.name)
def test_markdown_output_is_a_fixed_point(post):
    once = clean(post.read_bytes(), str(post)).render("md")
    twice = clean(once).render("md")
    assert twice == once


def words(text: str) -> Counter:
    return Counter(re.findall(r"[\u3400-\u9fff]|[^\W_]+", text.lower()))


def f1(shown: str, text: str) -> float:
    a, b = words(shown), words(text)
    common = sum((a & b).values())
    if not common:
        return float(a == b)
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


@needs_web
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:12])
def test_web_page_markdown_is_a_fixed_point(page):
    once = clean(page.read_bytes(), str(page)).render("md")
    assert clean(once).render("md") == once


@needs_web
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:12])
def test_web_page_markdown_renders_back_to_its_text(page):
    import lxml.html

    article = clean(page.read_bytes(), str(page))
    shown = lxml.html.fragment_fromstring(COMMONMARK.render(article.markdown), create_parent="div")
    assert f1(shown.text_content(), article.text) >= 0.99
    for code in shown.xpath(".//code | .//pre"):
        code.drop_tree()
    prose = shown.text_content()
    for marker in ("**", "](", "~~", "\\"):
        assert prose.count(marker) == article.text.count(marker), f"literal {marker}"
    headings = re.compile(r"(?m)^#{1,6} ")
    assert len(headings.findall(prose)) == len(headings.findall(article.text))


@needs_seed
@pytest.mark.parametrize("fmt", ["md", "txt", "json", "html"])
def test_seed_post_converts_cleanly_from_path_and_stdin(fmt):
    by_path = cli("convert", str(SEED), "-t", fmt)
    by_stdin = cli("convert", "-", "-t", fmt, stdin=SEED.read_bytes(), binary=True)
    assert by_path.returncode == 0 and by_stdin.returncode == 0
    out = by_path.stdout
    body = json.loads(out)["markdown"] if fmt == "json" else out
    if fmt == "json":
        assert (
            by_stdin.stdout.decode("utf-8").replace('"source":"-"', f'"source":{json.dumps(str(SEED))}')
            == out
        )
    else:
        assert by_stdin.stdout.decode("utf-8") == out
    for paragraph in (
        "2021年4月28日，中国人民银行在重庆市秀山",
        "会上金融单位定点扶贫工作领导小组",
        "进行了现场调研。（完）",
    ):
        assert paragraph in body
    assert "appendQr" not in body and "float:left" not in body, "CSS text left"
    assert "<!--" not in body and "&#123;" not in body and "{" not in body
    if fmt != "html":
        assert not re.search(r"<[a-z]+[ >]", body), "markup left"
    assert "海量资讯、精准解读，尽在新浪财经APP" not in out, "app promo left"
    if fmt == "json":
        record = json.loads(out)
        assert record["date"] == "2021-04-28T12:03:15+00:00"
        assert record["categories"] == ["金融", "新浪财经", "新浪财经－国內"]
        assert "尹悦" in " ".join(record["credits"])
        assert "责任编辑" not in record["text"]
    if fmt == "md":
        assert "date: '2021-04-28T12:03:15+00:00'" in out
        assert "[农业银行]" not in out and "农业银行" in out, "stock-quote link not unwrapped"
