"""Every promise examples/README.md makes about an example, checked on the example."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cli

from cleanart import clean_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def body_of(markdown: str) -> str:
    return markdown.split("---\n", 2)[2] if markdown.startswith("---\n") else markdown


def test_zh_news_keeps_the_article_and_drops_its_boilerplate():
    article = clean_file(EXAMPLES / "zh-news.md")
    body = article.markdown
    for kept in (
        "4月28日，某某市发展和改革委员会发布",
        "一公里充电圈",  # the line break inside the sentence joins without a space
        "**充电难问题将在两年内明显缓解**。后续还将出台",
        "| 设施类型 | 2021年 | 2023年 |",
        "- 简化充电设施报建审批流程；",
        "![某某市城区一处公共充电站](https://img.example.cn/finance/2021/0428/charging-station.jpg)",
    ):
        assert kept in body, kept
    for dropped in ("font-size", "正文下iframe", "扫码关注", "海量资讯", "责任编辑", "\u3000", "style="):
        assert dropped not in body, dropped
    assert article.meta["credits"] == ["责任编辑：王某"]
    assert article.meta["date"] == "2021-04-28T12:03:15+00:00"
    assert article.meta["image"] == "https://img.example.cn/finance/2021/0428/head-001.png"
    # Without the site's rules (README: what really happens) the QR image and the stock
    # link stay: no built-in rule knows this site.
    assert "qr-finance.png" in body and "[某某银行](" in body


def test_zh_news_with_the_site_rules_loses_the_qr_promo_and_the_stock_link():
    proc = cli("convert", EXAMPLES / "zh-news.md", "--rules", EXAMPLES / "site-rules.yaml")
    assert proc.returncode == 0, proc.stderr
    body = body_of(proc.stdout)
    assert "qr-finance.png" not in body and "某某财经APP" not in body
    assert "在金融支持方面，某某银行已与市城投集团签署合作协议" in body
    assert "扫码关注" not in body and "正文下iframe" not in body
    assert "credits:\n- 责任编辑：王某\n" in proc.stdout


def test_site_rules_fire_on_zh_news_with_all_five_actions_and_every_scope_key_but_generator():
    from cleanart.rules import load_file

    rules = load_file(EXAMPLES / "site-rules.yaml")
    assert {r.action for r in rules} == {"remove", "unwrap", "move", "cut", "drop"}
    assert {key for r in rules for key, _ in r.scope} == {"domain", "author", "categories", "url"}
    proc = cli("explain", EXAMPLES / "zh-news.md", "--rules", EXAMPLES / "site-rules.yaml")
    fired = {line.split("\t")[1] for line in proc.stdout.splitlines() if "\t" in line}
    assert {"news-example.share-bar", "news-example.stock-links", "news-example.after-body-iframe"} <= fired


def test_en_blog_keeps_the_post_and_drops_share_newsletter_and_related():
    article = clean_file(EXAMPLES / "en-blog.md")
    body = article.markdown
    for kept in (
        "## Why keep it small?",
        "### A note on exit codes",
        "```python\nimport argparse",
        "[argparse module](https://docs.example.org/argparse.html)",
        "![Output of tally --help](https://blog.example.com/images/tally-help.png)",
        "> Return zero when things worked",
    ):
        assert kept in body, kept
    for dropped in ("Share this post", "newsletter", "Subscribe", "Related posts"):
        assert dropped not in body, dropped
    assert article.meta["date"] == "2021-07-05T20:00:00-04:00"
    assert article.meta["tags"] == ["python", "cli"]
    assert article.meta["categories"] == ["blog", "tools"]


def test_page_takes_its_metadata_from_the_head_and_keeps_only_the_article():
    article = clean_file(EXAMPLES / "page.html")
    meta = article.meta
    assert meta["title"] == "Harbor Town Opens Its First Tool Library"
    assert meta["author"] == "Priya Nandakumar"
    assert meta["date"] == "2021-05-01T08:00:00+08:00"
    assert meta["url"] == "https://www.example.com/2021/05/story.html"
    assert meta["language"] == "en"
    body = article.markdown
    assert "Residents of Harbor Town" in body and "## How borrowing works" in body
    for dropped in (
        "Sign in",
        "Your town, every day",
        "Most read",
        "comments",
        "harbor_dad",
        "All rights",
        "gtag",
    ):
        assert dropped not in body, dropped


def test_gbk_news_is_detected_and_its_share_copyright_and_source_lines_leave_the_body():
    article = clean_file(EXAMPLES / "gbk-news.html")
    assert article.encoding == "gb18030"
    assert not article.warnings
    text = article.text
    assert "某某县首届乡村读书节在县文化中心开幕" in text
    for dropped in ("分享到", "版权所有", "来源", "编辑：赵某"):
        assert dropped not in text, dropped
    assert any("编辑：赵某" in s for s in article.meta["sources"])


def test_malformed_header_is_read_line_by_line_with_warnings():
    proc = cli("convert", EXAMPLES / "malformed-header.md", "-t", "json")
    assert proc.returncode == 0
    record = json.loads(proc.stdout)
    assert record["title"] == "It's a scraper's title: what's new in Maple City's parks"
    assert record["date"] == "Invalid Date"
    assert "Maple City's parks department unveiled" in record["text"]
    warnings = proc.stderr.splitlines()
    assert len(warnings) == 2 and all(": warning: line " in w for w in warnings)
