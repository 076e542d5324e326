"""Boilerplate rules: every action, scopes, order, validation, the selector index, explain.

Rule files and articles are written inline (tmp_path); built-in packs are off unless a
test is about them, so each test sees only the rules it wrote.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import cli

from cleanart import RuleError
from cleanart import clean as clean_with_detector
from cleanart.rules import BUILTIN_DIR, check_file, load_file, load_rules, selector_keys

REPO = Path(__file__).resolve().parents[1]


# --- helpers ------------------------------------------------------------------------------


def clean(raw, **options):
    """Rule-engine tests see the rules alone: the generic detector is off."""
    return clean_with_detector(raw, balance="off", **options)


def write_rules(tmp_path: Path, body: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def rule_yaml(**fields) -> str:
    """One rule as a YAML list item; `id`/`description` get defaults."""
    item = {"id": "t.rule", "description": "a test rule"}
    item.update(fields)
    return yaml.safe_dump({"rules": [item]}, allow_unicode=True, sort_keys=False)


def article(body: str, **header) -> str:
    header.setdefault("title", "Test post")
    lines = ["---"] + [f"{k}: {v}" for k, v in header.items()] + ["---", body, ""]
    return "\n".join(lines)


def run_clean(tmp_path, rules_text: str, body: str, keep_credits=False, **header):
    path = write_rules(tmp_path, rules_text)
    return clean(article(body, **header), rules=(str(path),), builtin_rules=False, keep_credits=keep_credits)


def one_rule(tmp_path, body: str, keep_credits=False, header=None, **fields):
    return run_clean(tmp_path, rule_yaml(**fields), body, keep_credits, **(header or {}))


def rule_ids(art, action=None):
    return [a.rule for a in art.actions if action is None or a.action == action]


# --- remove --------------------------------------------------------------------------------

BODY_REMOVE = (
    "<p>Article text that stays.</p>"
    '<div class="share-bar">Share on Weibo</div>'
    '<div id="comments">Comment box</div>'
    "<aside>Sidebar links</aside>"
    '<div class="appendQR_wrap">Scan the QR code</div>'
    '<div class="post tags">Tags: a, b</div>'
    '<div class="tagsmore">Tagsmore stays</div>'
    '<p><a href="https://ads.example.com/?utm_source=feed">Sponsored link</a></p>'
)


@pytest.mark.parametrize(
    "selector, gone",
    [
        (".share-bar", "Share on Weibo"),
        ("div.share-bar", "Share on Weibo"),
        ("#comments", "Comment box"),
        ("aside", "Sidebar links"),
        ('[class*="qr" i]', "Scan the QR code"),
        ("[class~=tags]", "Tags: a, b"),
        ('a[href*="utm_source=feed"]', "Sponsored link"),
        ('div[id^="comm"]', "Comment box"),
    ],
)
def test_remove_by_selector(tmp_path, selector, gone):
    art = one_rule(tmp_path, BODY_REMOVE, action="remove", selector=selector)
    assert gone not in art.text
    assert "Article text that stays." in art.text
    assert "Tagsmore stays" in art.text  # [class~=tags] is a whole-token match
    assert rule_ids(art, "remove") == ["t.rule"]
    others = {
        "Share on Weibo",
        "Comment box",
        "Sidebar links",
        "Scan the QR code",
        "Tags: a, b",
        "Sponsored link",
    } - {gone}
    for text in others:
        assert text in art.text, f"{selector!r} also removed {text!r}"


def test_remove_case_sensitive_substring_does_not_match_other_case(tmp_path):
    art = one_rule(tmp_path, BODY_REMOVE, action="remove", selector='[class*="qr"]')
    assert "Scan the QR code" in art.text
    assert not rule_ids(art, "remove")


def test_remove_takes_the_content_with_it(tmp_path):
    body = '<p>Keep me.</p><div class="box"><p>Inner <b>bold</b> text</p><ul><li>x1</li></ul></div>'
    art = one_rule(tmp_path, body, action="remove", selector=".box")
    assert art.text == "Keep me."


def test_remove_selector_list_removes_every_branch(tmp_path):
    art = one_rule(tmp_path, BODY_REMOVE, action="remove", selector=".share-bar, #comments, aside")
    for gone in ("Share on Weibo", "Comment box", "Sidebar links"):
        assert gone not in art.text
    assert rule_ids(art, "remove") == ["t.rule"] * 3


# --- unwrap --------------------------------------------------------------------------------


def test_unwrap_keeps_the_text_without_the_link(tmp_path):
    body = (
        '<p>今天<span id="stock_sz000001"><a class="keyword" href="https://finance.sina.com.cn/'
        'realstock/company/sz000001/nc.shtml">平安银行</a></span>股价上涨。</p>'
        '<p>看<a href="https://example.com/other">别的链接</a>。</p>'
    )
    art = one_rule(tmp_path, body, action="unwrap", selector="a.keyword")
    assert "今天平安银行股价上涨。" in art.text
    assert "realstock" not in art.html and "realstock" not in art.markdown
    assert "平安银行" in art.markdown
    assert "https://example.com/other" in art.html  # other links untouched
    assert rule_ids(art, "unwrap") == ["t.rule"]
    assert [a.text for a in art.actions if a.action == "unwrap"] == ["平安银行"]


def test_unwrap_block_wrapper_keeps_children(tmp_path):
    body = '<div class="wrap"><p>One.</p><p>Two.</p></div>'
    art = one_rule(tmp_path, body, action="unwrap", selector="div.wrap")
    assert art.text == "One.\n\nTwo."
    assert "wrap" not in art.html


# --- move ----------------------------------------------------------------------------------

CREDIT = r"责任编辑[:：]\s*(?P<value>\S.{0,15})"


def test_move_credit_with_value_group(tmp_path):
    body = "<p>正文第一段。</p><p>责任编辑：张三</p>"
    art = one_rule(tmp_path, body, action="move", field="credits", pattern=CREDIT)
    assert art.meta["credits"] == ["张三"]
    assert "责任编辑" not in art.text
    assert art.text == "正文第一段。"
    [move] = [a for a in art.actions if a.action == "move"]
    assert (move.rule, move.field, move.text) == ("t.rule", "credits", "责任编辑：张三")


def test_move_without_value_group_keeps_whole_block(tmp_path):
    body = "<p>正文第一段。</p><p>（编辑 李四）</p>"
    art = one_rule(tmp_path, body, action="move", field="credits", pattern=r"[（(]编辑\s*\S+[)）]")
    assert art.meta["credits"] == ["（编辑 李四）"]
    assert "李四" not in art.text


def test_move_collects_several_credits(tmp_path):
    body = "<p>正文。</p><p>责任编辑：张三</p><p>中间。</p><p>责任编辑：王五</p>"
    art = one_rule(tmp_path, body, action="move", field="credits", pattern=CREDIT)
    assert art.meta["credits"] == ["张三", "王五"]
    assert art.text == "正文。\n\n中间。"


def test_move_source_goes_to_sources(tmp_path):
    body = "<p>正文。</p><p>来源：证券时报</p>"
    art = one_rule(
        tmp_path, body, action="move", field="source", pattern=r"(文章)?来源[:：]\s*(?P<value>.{1,30})"
    )
    assert art.meta["sources"] == ["证券时报"]
    assert "来源" not in art.text


def test_move_original_title(tmp_path):
    body = "<p>原标题：某公司发布年报</p><p>正文。</p><p>原标题：第二个</p>"
    art = one_rule(
        tmp_path, body, action="move", field="original_title", pattern=r"原标题[:：]\s*(?P<value>.{1,60})"
    )
    assert art.meta["original_title"] == "某公司发布年报"  # the first one is kept
    assert art.text == "正文。"


def test_move_is_a_fullmatch_a_mention_stays(tmp_path):
    body = "<p>他说责任编辑：张三是个好人，这句话是正文。</p><p>责任编辑：张三</p>"
    art = one_rule(
        tmp_path, body, action="move", field="credits", pattern=r"责任编辑[:：]\s*(?P<value>\S{1,4})"
    )
    assert "这句话是正文" in art.text
    assert art.meta["credits"] == ["张三"]


def test_move_credit_after_br_in_the_same_paragraph(tmp_path):
    art = one_rule(
        tmp_path, "<p>第一行<br>责任编辑：张三</p>", action="move", field="credits", pattern=CREDIT
    )
    assert art.text == "第一行"
    assert art.meta["credits"] == ["张三"]


def test_move_credit_inside_strong_with_br(tmp_path):
    body = "<p>正文。</p><p><strong>来源：新华社<br>责任编辑：张三</strong></p>"
    art = one_rule(tmp_path, body, action="move", field="credits", pattern=CREDIT)
    assert art.meta["credits"] == ["张三"]
    assert "责任编辑" not in art.text
    assert "来源：新华社" in art.text
    assert "正文。" in art.text


def test_move_respects_max_chars(tmp_path):
    body = "<p>正文。</p><p>责任编辑：张三</p>"
    art = one_rule(tmp_path, body, action="move", field="credits", pattern=CREDIT, max_chars=5)
    assert "责任编辑：张三" in art.text
    assert not art.meta.get("credits")


def test_keep_credits_keeps_the_line_in_the_body(tmp_path):
    body = "<p>正文。</p><p>责任编辑：张三</p>"
    art = one_rule(tmp_path, body, keep_credits=True, action="move", field="credits", pattern=CREDIT)
    assert "责任编辑：张三" in art.text
    assert not [a for a in art.actions if a.action == "move"]


def test_keep_credits_on_the_command_line(tmp_path):
    rules = write_rules(tmp_path, rule_yaml(action="move", field="credits", pattern=CREDIT))
    post = tmp_path / "post.md"
    post.write_text(article("<p>正文。</p><p>责任编辑：张三</p>"), encoding="utf-8")
    base = ["convert", str(post), "-t", "txt", "--rules", str(rules), "--no-builtin-rules"]
    kept = cli(*base, "--keep-credits")
    assert kept.returncode == 0, kept.stderr
    assert "责任编辑：张三" in kept.stdout
    moved = cli(*base)
    assert moved.returncode == 0, moved.stderr
    assert "责任编辑" not in moved.stdout and "正文。" in moved.stdout
    as_json = cli("convert", str(post), "-t", "json", "--rules", str(rules), "--no-builtin-rules")
    assert as_json.returncode == 0, as_json.stderr
    import json

    assert json.loads(as_json.stdout)["credits"] == ["张三"]


# --- cut -----------------------------------------------------------------------------------

CUT_BODY = (
    "<div><p>Before one.</p><p>Before two.</p>"
    "<div><p>Inner before.</p><!-- END --><h3>相关阅读</h3>"
    '<div class="related"><p>After nested <b>deep</b>.</p></div><p>After one.</p></div>'
    "<p>After two.</p></div>"
    "<section><div><p>After three, deeper.</p></div></section>"
)
AFTER = ("相关阅读", "After nested", "After one.", "After two.", "After three")
BEFORE = ("Before one.", "Before two.", "Inner before.")


@pytest.mark.parametrize(
    "marker",
    [{"comment": "END"}, {"pattern": "相关阅读"}, {"selector": "h3"}],
    ids=["comment", "pattern", "selector"],
)
def test_cut_removes_marker_and_everything_after(tmp_path, marker):
    art = one_rule(tmp_path, CUT_BODY, action="cut", **marker)
    for text in AFTER:
        assert text not in art.text, f"{text!r} survived the cut"
    for text in BEFORE:
        assert text in art.text, f"{text!r} before the marker was cut"
    assert rule_ids(art, "cut") == ["t.rule"]


def test_cut_by_selector_marker_deep_inside(tmp_path):
    body = "<div><div><p>Keep A.</p><p>Keep B <span class='end-mark'>tail</span></p></div></div><p>Gone.</p>"
    art = one_rule(tmp_path, body, action="cut", selector=".end-mark")
    assert "Keep A." in art.text and "Keep B" in art.text
    assert "tail" not in art.text and "Gone." not in art.text


def test_cut_pattern_after_br_in_the_same_paragraph(tmp_path):
    art = one_rule(
        tmp_path, "<p>正文一。<br>推荐阅读<br>链接一</p><p>链接二</p>", action="cut", pattern="推荐阅读[:：]?"
    )
    assert art.text == "正文一。"


def test_cut_pattern_is_a_fullmatch(tmp_path):
    body = "<p>正文里提到相关阅读这个词。</p><p>更多正文。</p>"
    art = one_rule(tmp_path, body, action="cut", pattern="相关阅读")
    assert art.text == "正文里提到相关阅读这个词。\n\n更多正文。"
    assert not rule_ids(art, "cut")


def test_cut_earliest_marker_wins(tmp_path):
    rules = """
    rules:
      - {id: t.late, description: late, action: cut, selector: .late}
      - {id: t.early, description: early, action: cut, pattern: '-- 完 --'}
    """
    body = "<p>正文。</p><p>-- 完 --</p><p>尾巴一。</p><div class='late'>尾巴二。</div><p>尾巴三。</p>"
    art = run_clean(tmp_path, rules, body)
    assert art.text == "正文。"
    assert rule_ids(art, "cut") == ["t.early"]


# --- drop ----------------------------------------------------------------------------------


def test_drop_only_whole_blocks(tmp_path):
    body = (
        "<p>这篇文章讨论了二维码支付的普及，扫码关注公众号已经成为日常。</p>"
        "<p>扫码关注公众号</p>"
        "<p>Remember to subscribe to newsletters you actually read, the author says.</p>"
        "<p>Subscribe to our newsletter</p>"
    )
    rules = """
    rules:
      - {id: t.qr, description: qr, action: drop, pattern: '(扫码|长按识别二维码).{0,4}关注(公众号)?'}
      - {id: t.sub, description: sub, action: drop, pattern: '(?i)subscribe to our newsletter[.!]?'}
    """
    art = run_clean(tmp_path, rules, body)
    assert "二维码支付的普及" in art.text
    assert "subscribe to newsletters you actually read" in art.text
    assert art.text.split("\n\n") == [
        "这篇文章讨论了二维码支付的普及，扫码关注公众号已经成为日常。",
        "Remember to subscribe to newsletters you actually read, the author says.",
    ]
    assert sorted(rule_ids(art, "drop")) == ["t.qr", "t.sub"]


def test_drop_pattern_with_wildcards_still_needs_the_whole_block(tmp_path):
    # '.*二维码.*' matches any block that mentions 二维码, but the default cap of 200
    # characters keeps long paragraphs that merely mention it.
    long_para = "正文" * 60 + "提到二维码" + "正文" * 60
    body = f"<p>{long_para}</p><p>长按识别二维码</p>"
    art = one_rule(tmp_path, body, action="drop", pattern=".*二维码.*")
    assert long_para in art.text
    assert "长按识别二维码" not in art.text


def test_drop_max_chars_cap(tmp_path):
    body = "<p>请订阅</p><p>订阅本刊可获得更多资讯与福利，欢迎订阅</p>"
    art = one_rule(tmp_path, body, action="drop", pattern=".*订阅.*", max_chars=5)
    assert "订阅本刊可获得更多资讯与福利，欢迎订阅" in art.text
    assert "请订阅" not in art.text
    assert [a.text for a in art.actions if a.action == "drop"] == ["请订阅"]


def test_drop_matches_text_with_collapsed_spaces_and_nbsp(tmp_path):
    body = "<p>正文。</p><p>&nbsp;\u3000扫码   关注 </p>"
    art = one_rule(tmp_path, body, action="drop", pattern="扫码 关注")
    assert art.text == "正文。"


def test_drop_leaves_pre_blocks_alone(tmp_path):
    body = "<p>正文。</p><pre>Subscribe</pre><p>Subscribe</p>"
    art = one_rule(tmp_path, body, action="drop", pattern="Subscribe")
    assert "Subscribe" in art.text
    assert len(rule_ids(art, "drop")) == 1


# --- trim ----------------------------------------------------------------------------------


def test_trim_cuts_a_trailing_more(tmp_path):
    body = "<p>Feed excerpt of the story goes here...more</p><p>Second paragraph ...more</p>"
    art = one_rule(tmp_path, body, action="trim", pattern=r"\.{3}\s*more")
    assert "more" not in art.text
    assert "Feed excerpt of the story goes here" in art.text
    assert "Second paragraph" in art.text
    assert rule_ids(art, "trim") == ["t.rule", "t.rule"]


def test_trim_only_at_the_end(tmp_path):
    body = "<p>There is ...more to say about this here.</p>"
    art = one_rule(tmp_path, body, action="trim", pattern=r"\.{3}\s*more")
    assert art.text == "There is ...more to say about this here."
    assert not rule_ids(art, "trim")


def test_trim_after_a_link(tmp_path):
    body = '<p>Excerpt text <a href="https://example.com/x">read</a> 阅读全文</p>'
    art = one_rule(tmp_path, body, action="trim", pattern="阅读全文")
    assert "阅读全文" not in art.text
    assert "Excerpt text" in art.text and "read" in art.text


# --- scope ---------------------------------------------------------------------------------

SCOPED_BODY = "<p>正文。</p><div class='ad'>广告</div>"


def scoped(tmp_path, scope, **header):
    return one_rule(tmp_path, SCOPED_BODY, header=header, action="remove", selector=".ad", scope=scope)


@pytest.mark.parametrize(
    "url, applies",
    [
        ("https://finance.sina.com.cn/a/b.shtml", True),
        ("https://sina.com.cn/x", True),
        ("https://SINA.com.cn/x", True),
        ("https://notsina.com/x", False),
        ("https://notsina.com.cn/x", False),
        ("https://sina.com.cn.evil.org/x", False),
        ("https://example.com/sina.com.cn", False),
    ],
)
def test_scope_domain_is_a_suffix_match(tmp_path, url, applies):
    art = scoped(tmp_path, {"domain": "sina.com.cn"}, url=url)
    assert ("广告" not in art.text) is applies


def test_scope_domain_list_means_any(tmp_path):
    for url, applies in (
        ("https://m.sina.cn/x", True),
        ("https://finance.sina.com.cn/x", True),
        ("https://qq.com/x", False),
    ):
        art = scoped(tmp_path, {"domain": ["sina.com.cn", "sina.cn"]}, url=url)
        assert ("广告" not in art.text) is applies, url


def test_scope_domain_without_url_does_not_apply(tmp_path):
    art = scoped(tmp_path, {"domain": "sina.com.cn"})
    assert "广告" in art.text


def test_scope_author(tmp_path):
    assert "广告" not in scoped(tmp_path, {"author": "^某某财经$"}, author="某某财经").text
    assert "广告" in scoped(tmp_path, {"author": "^某某财经$"}, author="别的作者").text
    assert "广告" in scoped(tmp_path, {"author": "^某某财经$"}).text


def test_scope_categories_and_tags(tmp_path):
    assert "广告" not in scoped(tmp_path, {"categories": "新浪"}, categories="[新浪财经]").text
    assert "广告" not in scoped(tmp_path, {"categories": "新浪"}, tags="[股票, 新浪]").text
    assert "广告" in scoped(tmp_path, {"categories": "新浪"}, categories="[腾讯科技]").text


def test_scope_url_regex(tmp_path):
    scope = {"url": "/20[0-9]{2}/"}
    assert "广告" not in scoped(tmp_path, scope, url="https://x.com/2023/05/post").text
    assert "广告" in scoped(tmp_path, scope, url="https://x.com/post").text


def test_scope_every_key_must_match(tmp_path):
    scope = {"domain": "example.com", "author": "Alice"}
    assert "广告" not in scoped(tmp_path, scope, url="https://example.com/a", author="Alice").text
    assert "广告" in scoped(tmp_path, scope, url="https://example.com/a", author="Bob").text
    assert "广告" in scoped(tmp_path, scope, url="https://other.com/a", author="Alice").text


def test_unless_turns_a_rule_off_where_it_matches(tmp_path):
    def unless(unless, **header):
        return one_rule(tmp_path, SCOPED_BODY, header=header, action="remove", selector=".ad", unless=unless)

    assert "广告" in unless({"author": "Alice"}, author="Alice").text
    assert "广告" not in unless({"author": "Alice"}, author="Bob").text
    assert "广告" not in unless({"page_type": "discussion"}).text  # a post is an article


def test_unless_is_checked_like_scope(tmp_path):
    path = write_rules(tmp_path, rule_yaml(action="remove", selector=".ad", unless={"colour": "red"}))
    with pytest.raises(RuleError, match="unknown unless key 'colour'"):
        load_file(path)


def page(generator: str | None) -> str:
    meta = f'<meta name="generator" content="{generator}">' if generator else ""
    return (
        f"<!doctype html><html><head>{meta}<title>Page</title></head><body><article>"
        "<p>A paragraph of article text that should be kept.</p>"
        "<div class='ad'>Advert</div></article></body></html>"
    )


@pytest.mark.parametrize(
    "generator, applies", [("WordPress 6.4.2", True), ("Hugo 0.120", False), (None, False)]
)
def test_scope_generator_of_a_whole_page(tmp_path, generator, applies):
    rules = write_rules(
        tmp_path, rule_yaml(action="remove", selector=".ad", scope={"generator": "WordPress"})
    )
    art = clean(page(generator), rules=(str(rules),), builtin_rules=False)
    assert "A paragraph of article text" in art.text
    assert ("Advert" not in art.text) is applies


def test_scope_domain_from_a_pages_canonical_link(tmp_path):
    rules = write_rules(tmp_path, rule_yaml(action="remove", selector=".ad", scope={"domain": "example.com"}))
    html = page(None).replace("<title>", '<link rel="canonical" href="https://www.example.com/a"><title>')
    art = clean(html, rules=(str(rules),), builtin_rules=False)
    assert "Advert" not in art.text


def test_scope_applies_to_text_rules_too(tmp_path):
    body = "<p>正文。</p><p>责任编辑：张三</p>"
    kwargs = {"action": "move", "field": "credits", "pattern": CREDIT, "scope": {"author": "新华社"}}
    art = one_rule(tmp_path, body, header={"author": "新华社"}, **kwargs)
    assert art.meta["credits"] == ["张三"]
    art = one_rule(tmp_path, body, header={"author": "路透"}, **kwargs)
    assert "责任编辑：张三" in art.text


# --- order -----------------------------------------------------------------------------------


def test_remove_wins_over_unwrap_whatever_the_file_order(tmp_path):
    rules = """
    rules:
      - {id: t.unwrap, description: u, action: unwrap, selector: a}
      - {id: t.remove, description: r, action: remove, selector: a.ad}
    """
    body = '<p>Text <a class="ad" href="https://ads.example.com">AD LINK</a> and <a href="https://e.com">kept</a>.</p>'
    art = run_clean(tmp_path, rules, body)
    assert "AD LINK" not in art.text
    assert "kept" in art.text and "https://e.com" not in art.html
    assert rule_ids(art, "remove") == ["t.remove"]
    assert rule_ids(art, "unwrap") == ["t.unwrap"]


def test_unwrap_happens_before_move(tmp_path):
    # The credit is split over a block element; unwrapping it first makes one block.
    rules = f"""
    rules:
      - id: t.move
        description: m
        action: move
        field: credits
        pattern: '{CREDIT}'
      - {{id: t.unwrap, description: u, action: unwrap, selector: div.name}}
    """
    body = '<p>正文。</p><span>责任编辑：<div class="name">张三</div></span>'
    art = run_clean(tmp_path, rules, body)
    assert art.meta.get("credits") == ["张三"]
    assert "张三" not in art.text


def test_remove_happens_before_cut(tmp_path):
    rules = """
    rules:
      - {id: t.cut, description: c, action: cut, selector: .end}
      - {id: t.remove, description: r, action: remove, selector: .sidebar}
    """
    body = "<p>正文一。</p><div class='sidebar'>侧栏<span class='end'>x</span></div><p>正文二。</p>"
    art = run_clean(tmp_path, rules, body)
    assert art.text == "正文一。\n\n正文二。"
    assert not rule_ids(art, "cut")


def test_move_applies_before_the_cut(tmp_path):
    # Documented order: remove, unwrap, move, cut, drop. A credit after the cut marker is
    # moved into the metadata (not lost with the cut); a drop after it is simply cut.
    rules = f"""
    rules:
      - {{id: t.cut, description: c, action: cut, pattern: '相关阅读'}}
      - {{id: t.drop, description: d, action: drop, pattern: '扫码关注'}}
      - id: t.move
        description: m
        action: move
        field: credits
        pattern: '{CREDIT}'
    """
    body = "<p>正文。</p><p>扫码关注</p><h3>相关阅读</h3><p>链接。</p><p>责任编辑：张三</p><p>扫码关注</p>"
    art = run_clean(tmp_path, rules, body)
    assert art.text == "正文。"
    assert art.meta["credits"] == ["张三"]
    kinds = [a.action for a in art.actions]
    assert kinds == ["move", "cut", "drop"]
    assert [a.text for a in art.actions if a.action == "drop"] == ["扫码关注"]


def test_actions_are_recorded_in_the_documented_order(tmp_path):
    rules = f"""
    rules:
      - {{id: t.drop, description: d, action: drop, pattern: '扫码关注'}}
      - {{id: t.cut, description: c, action: cut, comment: 'END'}}
      - id: t.move
        description: m
        action: move
        field: credits
        pattern: '{CREDIT}'
      - {{id: t.unwrap, description: u, action: unwrap, selector: a.kw}}
      - {{id: t.remove, description: r, action: remove, selector: .ad}}
    """
    body = (
        "<p>扫码关注</p><p>责任编辑：张三</p><p>文<a class='kw' href='https://k.com'>字</a>。</p>"
        "<div class='ad'>广告</div><p>正文。</p><!-- END --><p>尾巴。</p>"
    )
    art = run_clean(tmp_path, rules, body)
    order = ["remove", "unwrap", "move", "cut", "drop"]
    kinds = [a.action for a in art.actions if a.rule.startswith("t.")]
    assert kinds == order
    assert art.text == "文字。\n\n正文。"


def test_move_wins_over_drop_whatever_the_file_order(tmp_path):
    rules = f"""
    rules:
      - {{id: t.drop, description: d, action: drop, pattern: '责任编辑.*'}}
      - id: t.move
        description: m
        action: move
        field: credits
        pattern: '{CREDIT}'
    """
    art = run_clean(tmp_path, rules, "<p>正文。</p><p>责任编辑：张三</p>")
    assert art.meta["credits"] == ["张三"]
    assert rule_ids(art) == ["t.move"]


def test_first_matching_rule_in_file_order_wins_for_text_rules(tmp_path):
    rules = """
    rules:
      - {id: t.first, description: f, action: move, field: source, pattern: '来源[:：](?P<value>.+)'}
      - {id: t.second, description: s, action: move, field: credits, pattern: '来源[:：](?P<value>.+)'}
      - {id: t.drop1, description: d1, action: drop, pattern: '广告.*'}
      - {id: t.drop2, description: d2, action: drop, pattern: '广告'}
    """
    art = run_clean(tmp_path, rules, "<p>正文。</p><p>来源：新华社</p><p>广告</p>")
    assert art.meta["sources"] == ["新华社"]
    assert not art.meta.get("credits")
    assert rule_ids(art) == ["t.first", "t.drop1"]


@pytest.mark.parametrize("first, second", [("t.tag", "t.class"), ("t.class", "t.tag")])
def test_first_matching_selector_rule_in_file_order_wins(tmp_path, first, second):
    selectors = {"t.tag": "aside", "t.class": ".promo", "t.sub": '[class*="pro"]'}
    items = [
        {"id": i, "description": i, "action": "remove", "selector": selectors[i]}
        for i in (first, second, "t.sub")
    ]
    path = write_rules(tmp_path, yaml.safe_dump({"rules": items}))
    art = clean(
        article("<p>正文。</p><aside class='promo'>推广</aside>"), rules=(str(path),), builtin_rules=False
    )
    assert rule_ids(art, "remove") == [first]


def test_rule_files_apply_in_the_order_given(tmp_path):
    a = write_rules(tmp_path, rule_yaml(id="a.drop", action="drop", pattern="广告"), "a.yaml")
    b = write_rules(tmp_path, rule_yaml(id="b.drop", action="drop", pattern="广告"), "b.yaml")
    body = article("<p>正文。</p><p>广告</p>")
    assert rule_ids(clean(body, rules=(str(a), str(b)), builtin_rules=False)) == ["a.drop"]
    assert rule_ids(clean(body, rules=(str(b), str(a)), builtin_rules=False)) == ["b.drop"]


# --- bodies left empty ---------------------------------------------------------------------


def test_only_block_is_a_credit_no_crash_credit_kept(tmp_path):
    art = one_rule(tmp_path, "<p>责任编辑：张三</p>", action="move", field="credits", pattern=CREDIT)
    assert art.meta["credits"] == ["张三"]
    assert art.text.strip() == ""
    assert art.warnings  # says the body had no article text
    art.markdown, art.html, art.to_dict()  # rendering must not crash


def test_only_block_is_dropped_no_crash(tmp_path):
    art = one_rule(tmp_path, "<p>扫码关注</p>", action="drop", pattern="扫码关注")
    assert art.text.strip() == ""
    assert rule_ids(art, "drop") == ["t.rule"]
    assert art.warnings
    art.markdown, art.html, art.to_dict()


def test_body_emptied_by_remove_keeps_text_and_warns(tmp_path):
    art = one_rule(
        tmp_path,
        "<div class='content'><p>A short feed item.</p></div>",
        action="remove",
        selector="div.content",
    )
    assert art.text == "A short feed item."
    assert any("t.rule" in w for w in art.warnings), art.warnings


def test_body_emptied_by_cut_keeps_text_and_warns(tmp_path):
    art = one_rule(tmp_path, "<h3>相关阅读</h3><p>Only text.</p>", action="cut", pattern="相关阅读")
    assert "Only text." in art.text
    assert any("t.rule" in w for w in art.warnings), art.warnings


def test_cli_convert_of_a_body_emptied_by_a_drop_succeeds(tmp_path):
    rules = write_rules(tmp_path, rule_yaml(action="drop", pattern="扫码关注"))
    post = tmp_path / "p.md"
    post.write_text(article("<p>扫码关注</p>"), encoding="utf-8")
    proc = cli("convert", str(post), "-t", "txt", "--rules", str(rules), "--no-builtin-rules")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


# --- validation ----------------------------------------------------------------------------

GOOD_RULE = """\
rules:
  - id: ok.first
    description: a good rule
    action: remove
    selector: .ad
"""

# (name, the bad rule as YAML lines, a phrase of the message)
MISTAKES = [
    ("missing-id", "  - description: no id\n    action: remove\n    selector: .x\n", "id"),
    ("bad-id", "  - id: Bad ID!\n    description: d\n    action: remove\n    selector: .x\n", "id"),
    (
        "duplicate-id",
        "  - id: ok.first\n    description: d\n    action: remove\n    selector: .x\n",
        "duplicate",
    ),
    ("unknown-action", "  - id: t.a\n    description: d\n    action: delete\n    selector: .x\n", "action"),
    ("missing-selector", "  - id: t.a\n    description: d\n    action: remove\n", "selector"),
    ("missing-unwrap-selector", "  - id: t.a\n    description: d\n    action: unwrap\n", "selector"),
    ("missing-pattern", "  - id: t.a\n    description: d\n    action: drop\n", "pattern"),
    ("move-missing-field", "  - id: t.a\n    description: d\n    action: move\n    pattern: x\n", "field"),
    (
        "bad-regex",
        "  - id: t.a\n    description: d\n    action: drop\n    pattern: '(unclosed'\n",
        "regular expression",
    ),
    (
        "bad-css",
        "  - id: t.a\n    description: d\n    action: remove\n    selector: 'div[class'\n",
        "selector",
    ),
    (
        "unknown-scope-key",
        ("  - id: t.a\n    description: d\n    scope: {site: x.com}\n    action: remove\n    selector: .x\n"),
        "scope",
    ),
    (
        "bad-scope-regex",
        (
            "  - id: t.a\n    description: d\n    scope: {author: '(x'}\n"
            "    action: remove\n    selector: .x\n"
        ),
        "regular expression",
    ),
    (
        "unknown-field",
        ("  - id: t.a\n    description: d\n    action: move\n    pattern: x\n    field: editor\n"),
        "field",
    ),
    (
        "cut-two-markers",
        ("  - id: t.a\n    description: d\n    action: cut\n    comment: END\n    pattern: 相关阅读\n"),
        "exactly one",
    ),
    ("cut-no-marker", "  - id: t.a\n    description: d\n    action: cut\n", "exactly one"),
    ("missing-description", "  - id: t.a\n    action: remove\n    selector: .x\n", "description"),
    (
        "key-not-allowed",
        ("  - id: t.a\n    description: d\n    action: remove\n    selector: .x\n    pattern: x\n"),
        "not allowed",
    ),
    (
        "bad-max-chars",
        ("  - id: t.a\n    description: d\n    action: drop\n    pattern: x\n    max_chars: -3\n"),
        "max_chars",
    ),
]


@pytest.mark.parametrize("name, bad, phrase", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_check_reports_each_mistake_with_its_line(tmp_path, name, bad, phrase):
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD_RULE + bad, encoding="utf-8")
    bad_line = GOOD_RULE.count("\n") + 1
    rules, errors = check_file(path)
    assert [r.id for r in rules] == ["ok.first"]
    assert len(errors) == 1, errors
    assert errors[0].line == bad_line
    assert phrase.lower() in errors[0].message.lower()
    assert str(errors[0]).startswith(f"{path}:{bad_line}:")
    with pytest.raises(RuleError):
        load_file(path)
    proc = cli("rules", "--check", str(path))
    assert proc.returncode == 1
    assert f"{path}:{bad_line}:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_reports_every_mistake_of_a_file(tmp_path):
    text = GOOD_RULE + "".join(bad for _, bad, _ in MISTAKES)
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    expected = [i + 1 for i, line in enumerate(lines) if line.startswith("  - ")][1:]
    _, errors = check_file(path)
    assert [e.line for e in errors] == expected
    proc = cli("rules", "--check", str(path))
    assert proc.returncode == 1
    reported = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(reported) == len(MISTAKES)
    for line_no, message in zip(expected, reported):
        assert f"{path}:{line_no}:" in message


def test_check_non_yaml_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("rules:\n  - id: t.a\n    description: [unclosed\n    action: remove\n", encoding="utf-8")
    _, errors = check_file(path)
    assert len(errors) == 1
    assert "yaml" in errors[0].message.lower()
    assert errors[0].line is not None and 3 <= errors[0].line <= 5
    proc = cli("rules", "--check", str(path))
    assert proc.returncode == 1
    assert f"{path}:{errors[0].line}:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_not_a_rule_list(tmp_path):
    path = tmp_path / "scalar.yaml"
    path.write_text("just a string\n", encoding="utf-8")
    _, errors = check_file(path)
    assert errors and errors[0].line == 1
    proc = cli("rules", "--check", str(path))
    assert proc.returncode == 1 and f"{path}:1:" in proc.stderr


def test_check_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n", encoding="utf-8")
    _, errors = check_file(path)
    assert len(errors) == 1 and "empty" in errors[0].message
    proc = cli("rules", "--check", str(path))
    assert proc.returncode == 1
    assert str(path) in proc.stderr and "empty" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_missing_file(tmp_path):
    proc = cli("rules", "--check", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 1
    assert "nope.yaml" in proc.stderr and "Traceback" not in proc.stderr


def test_check_a_good_file_exits_0(tmp_path):
    path = write_rules(tmp_path, GOOD_RULE)
    proc = cli("rules", "--check", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_example_rule_file_passes_check():
    example = REPO / "examples" / "site-rules.yaml"
    proc = cli("rules", "--check", str(example))
    assert proc.returncode == 0, proc.stderr
    rules, errors = check_file(example)
    assert not errors
    assert {r.action for r in rules} >= {"remove", "unwrap", "move", "cut", "drop"}


@pytest.mark.parametrize("pack", sorted(BUILTIN_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_builtin_pack_passes_check(pack):
    _, errors = check_file(pack)
    assert not errors, [str(e) for e in errors]


def test_convert_with_a_bad_rule_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_RULE + MISTAKES[8][1], encoding="utf-8")  # bad regex
    post = tmp_path / "p.md"
    post.write_text(article("<p>正文。</p>"), encoding="utf-8")
    proc = cli("convert", str(post), "--rules", str(bad))
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "content",
    ["", "rules: [unclosed\n", "- id: t.a\n  description: d\n  action: explode\n"],
    ids=["empty", "not-yaml", "bad-action"],
)
def test_convert_with_broken_rule_files(tmp_path, content):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    post = tmp_path / "p.md"
    post.write_text(article("<p>正文。</p>"), encoding="utf-8")
    proc = cli("convert", str(post), "--rules", str(bad), "--no-builtin-rules")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_convert_with_a_missing_rule_file(tmp_path):
    post = tmp_path / "p.md"
    post.write_text(article("<p>正文。</p>"), encoding="utf-8")
    proc = cli("convert", str(post), "--rules", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2
    assert "missing.yaml" in proc.stderr and "Traceback" not in proc.stderr


def test_duplicate_id_across_files_is_an_error(tmp_path):
    a = write_rules(tmp_path, rule_yaml(id="dup.x", action="drop", pattern="x"), "a.yaml")
    b = write_rules(tmp_path, rule_yaml(id="dup.x", action="drop", pattern="y"), "b.yaml")
    with pytest.raises(RuleError) as info:
        load_rules((str(a), str(b)), builtin=False)
    assert "b.yaml" in str(info.value) and "dup.x" in str(info.value)


def test_user_rule_reusing_a_builtin_id_is_an_error(tmp_path):
    builtin_id = load_rules()[0].id
    path = write_rules(tmp_path, rule_yaml(id=builtin_id, action="drop", pattern="x"))
    with pytest.raises(RuleError):
        load_rules((str(path),))


def test_top_level_list_without_pack_is_accepted(tmp_path):
    path = write_rules(tmp_path, "- {id: t.a, description: d, action: drop, pattern: x}\n", "mypack.yaml")
    [rule] = load_file(path)
    assert rule.pack == "mypack" and rule.origin.endswith(":1")


# --- cleanart rules ------------------------------------------------------------------------


def builtin_ids() -> list[str]:
    ids = []
    for pack in sorted(BUILTIN_DIR.glob("*.yaml")):
        data = yaml.safe_load(pack.read_text(encoding="utf-8"))
        items = data["rules"] if isinstance(data, dict) else data
        ids.extend(item["id"] for item in items)
    return ids


def test_rules_lists_every_builtin_rule():
    proc = cli("rules")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines() if line]
    assert all(len(row) == 5 for row in rows), [r for r in rows if len(r) != 5][:3]
    listed = [row[0] for row in rows]
    expected = builtin_ids()
    assert sorted(listed) == sorted(expected)
    assert len(listed) == len(set(listed))
    actions = {row[2] for row in rows}
    assert actions <= {"remove", "unwrap", "move", "cut", "drop", "trim"}


def test_rules_lists_user_rules_with_scope_and_target(tmp_path):
    path = write_rules(
        tmp_path,
        rule_yaml(
            id="u.one",
            description="My   rule\nhere",
            scope={"domain": ["a.com", "b.com"]},
            action="remove",
            selector="div.x",
        ),
    )
    proc = cli("rules", "--rules", str(path), "--no-builtin-rules")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["u.one\tdomain=a.com|b.com\tremove\tdiv.x\tMy rule here"]
    proc = cli("rules", "--rules", str(path))
    ids = [line.split("\t")[0] for line in proc.stdout.splitlines()]
    assert ids[-1] == "u.one" and len(ids) == len(builtin_ids()) + 1


# --- selector index ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector, keys",
    [
        ("div.share-buttons", ["class:share-buttons"]),
        (".a.b", ["class:a"]),
        ("#main", ["id:main"]),
        ("p", ["tag:p"]),
        ("DIV", ["tag:div"]),
        ("div > p.note", ["class:note"]),
        ("article .meta span", ["tag:span"]),
        ('[class*="qr" i]', ["sub:class:qr"]),
        ("[class~=tags]", ["class:tags"]),
        ('[id="top"]', ["id:top"]),
        ('span[id^="quote_"]', ["sub:id:quote_"]),
        ("[data-share]", ["has:data-share"]),
        ("div.a, #b, aside", ["class:a", "id:b", "tag:aside"]),
        ('span[id^="stock_"] a.keyword', ["class:keyword"]),
        ("*", None),
        (":is(.a, .b)", None),
        ("div, *", None),
        (":not(p)", None),
    ],
)
def test_selector_keys(selector, keys):
    assert selector_keys(selector) == keys


@pytest.mark.parametrize(
    "selector, gone, kept",
    [
        ("div > :not(p):not(.c)", ["Box A", "Box B"], ["Box C"]),
        ("div > *.a", ["Box A"], ["Box B", "Box C"]),
        ("div > :not(p)", ["Box A", "Box B", "Box C"], []),
        ('[class*="B" i]', ["Box B"], ["Box A", "Box C"]),
    ],
)
def test_selector_rules_that_cannot_be_indexed_still_work(tmp_path, selector, gone, kept):
    body = (
        "<div><p>Article text.</p><div class='a'>Box A</div>"
        "<div class='b'>Box B</div><div class='c'>Box C</div></div>"
    )
    art = one_rule(tmp_path, body, action="remove", selector=selector)
    assert "Article text." in art.text
    for text in gone:
        assert text not in art.text, selector
    for text in kept:
        assert text in art.text, selector


@pytest.mark.parametrize("selector", [":is(.a, .b)", "p ~ div", "p + div", "li:nth-child(2)", "div >"])
def test_unsupported_selector_is_a_mistake_with_its_line(tmp_path, selector):
    path = tmp_path / "rules.yaml"
    path.write_text(
        f"rules:\n  - {{id: t.rule, description: d, action: remove, selector: '{selector}'}}\n",
        encoding="utf-8",
    )
    rules, errors = check_file(path)
    assert not rules
    assert len(errors) == 1 and errors[0].line == 2
    assert "not supported" in str(errors[0])


def test_star_selector_unwrap_keeps_text(tmp_path):
    body = "<p>One <em>two</em> <a href='https://e.com'>three</a>.</p>"
    art = one_rule(tmp_path, body, action="unwrap", selector="a, *")
    assert art.text == "One two three."
    assert "https://e.com" not in art.html


# --- explain -------------------------------------------------------------------------------

EXPLAIN_RULES = f"""
rules:
  - {{id: x.ad, description: ads, action: remove, selector: .ad}}
  - id: x.credit
    description: credit
    action: move
    field: credits
    pattern: '{CREDIT}'
  - {{id: x.qr, description: qr, action: drop, pattern: '扫码关注'}}
"""
EXPLAIN_BODY = (
    "<p>正文第一段。</p><div class='ad'>广告一</div><p>正文第二段。</p>"
    "<div class='ad'>广告二</div><p>扫码关注</p><p>责任编辑：张三</p>"
)


def explain_rows(stdout: str) -> list[list[str]]:
    return [line.split("\t") for line in stdout.splitlines() if line]


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
def test_explain_lists_each_action_and_metadata(tmp_path, stdin):
    rules = write_rules(tmp_path, EXPLAIN_RULES)
    post = tmp_path / "post.md"
    text = article(EXPLAIN_BODY, author="某人", url="https://news.example.com/a")
    post.write_text(text, encoding="utf-8")
    args = ["explain", "-" if stdin else str(post), "--rules", str(rules), "--no-builtin-rules"]
    proc = cli(*args, stdin=text if stdin else None)
    assert proc.returncode == 0, proc.stderr
    rows = explain_rows(proc.stdout)
    removes = [r for r in rows if r[:2] == ["remove", "x.ad"]]
    assert [r[3] for r in removes] == ["广告一", "广告二"]
    assert all(len(r) == 4 for r in removes)
    assert ["move", "x.credit", "credits", "责任编辑：张三"] in rows
    assert ["drop", "x.qr", "", "扫码关注"] in rows
    meta = {r[0]: r[1] for r in rows if len(r) == 2}
    assert meta.get("title") == "Test post"
    assert meta.get("author") == "某人"
    assert meta.get("credits") == '["张三"]'
    # actions come before metadata
    first_meta = next(i for i, r in enumerate(rows) if len(r) == 2)
    assert all(len(r) == 4 for r in rows[:first_meta]) and first_meta >= 4


def test_explain_with_a_bad_rule_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_RULE + MISTAKES[9][1], encoding="utf-8")  # bad css
    post = tmp_path / "post.md"
    post.write_text(article("<p>正文。</p>"), encoding="utf-8")
    proc = cli("explain", str(post), "--rules", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "Traceback" not in proc.stderr


def test_explain_missing_input(tmp_path):
    proc = cli("explain", str(tmp_path / "nope.md"))
    assert proc.returncode == 1
    assert "nope.md" in proc.stderr and "Traceback" not in proc.stderr


# --- the anchor screen and the packs' cache --------------------------------------------


def test_the_anchor_screen_finds_what_trying_every_rule_finds():
    from cleanart import rules as rulebook
    from cleanart.screen import Screen

    plan = rulebook.plan(load_rules())
    texts = [
        "责任编辑：王某",
        "（责任编辑：王某）",
        "扫码关注公众号，获取更多资讯",
        "原标题：某某发布新规",
        "Share this article",
        "Follow us on Twitter for more",
        "本文来自微信公众号：某某（ID：abc），作者：张三",
        "The tulips came up this week, earlier than last year.",
        "图源：网络",
        "—END—",
    ]
    screen = Screen([[rule.pattern.pattern] for rule in plan.text_rules])
    for text in texts:
        every = next(
            (r for r in plan.text_rules if len(text) <= r.max_chars and r.pattern.fullmatch(text)), None
        )
        screened = next(
            (
                r
                for r in (plan.text_rules[i] for i in screen.candidates(text))
                if len(text) <= r.max_chars and r.pattern.fullmatch(text)
            ),
            None,
        )
        assert screened == every, text


def test_builtin_packs_come_from_the_cache_unchanged(tmp_path, monkeypatch):
    from cleanart import rules as rulebook

    monkeypatch.setenv("CLEANART_CACHE", str(tmp_path / "cache"))
    fresh = rulebook._builtin_rules()
    assert len(list((tmp_path / "cache").glob("packs-*.pickle"))) == 1
    assert rulebook._builtin_rules() == fresh


@pytest.mark.parametrize("where", ["file", "off"])
def test_an_unusable_cache_costs_nothing_but_time(tmp_path, monkeypatch, where):
    from cleanart import rules as rulebook

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CLEANART_CACHE", str(blocker / "cache") if where == "file" else "off")
    assert [r.id for r in rulebook._builtin_rules()] == [r.id for r in load_rules()]


def test_builtin_rule_ids_are_unique():
    # The selector index orders rules by id: two built-in rules with one id would merge.
    from collections import Counter

    ids = Counter(rule.id for rule in load_rules())
    assert [i for i, n in ids.items() if n > 1] == []
