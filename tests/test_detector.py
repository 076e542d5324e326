"""The generic boilerplate detector and template learning, on posts built for the test.

No site rule names these posts' boilerplate: what goes, goes because of the detector
(built-in packs off) or because it recurs across a folder's posts.
"""

from __future__ import annotations

import pytest
from conftest import cli

from cleanart import clean

ZH_STORY = (
    "<p>据报道，本市今年将新建三十座公共图书馆，覆盖所有街道，预计年底前全部开放，市民可以凭身份证免费借阅。</p>"
    "<p>图书馆负责人表示，新馆将延长开放时间，周末也不闭馆，并增设少儿阅读区和自习室，方便学生使用。</p>"
    "<p>专家认为，公共文化设施的普及，有助于提升城市的整体文化氛围，也能缓解学生自习场所不足的问题。</p>"
)
EN_STORY = (
    "<p>The city council approved a plan on Monday to build thirty public libraries, one in every district, "
    "with the first opening before the end of the year.</p>"
    "<p>Officials said the new branches will stay open later, including weekends, and will add reading "
    "rooms for children and quiet study areas for students.</p>"
)


def text_of(body: str, **options) -> str:
    return clean(body, builtin_rules=False, **options).text


def gone(body: str, *lines: str, **options) -> None:
    text = text_of(body, **options)
    for line in lines:
        assert line not in text, text
    return text


@pytest.mark.parametrize(
    "tail",
    [
        "<p>扫描下方二维码，关注我们的公众号，获取更多资讯</p>",
        "<p>本文为本站原创稿件，未经授权，禁止转载。</p>",
        "<p>免责声明：本文仅供参考，不构成投资建议。</p>",
        "<p>下载新闻客户端，阅读更多深度报道</p>",
        "<p>— END —</p>",
        "<p>点个在看，分享给更多朋友</p>",
        "<p>相关阅读：</p><p><a href='/a'>市图书馆年度报告发布</a></p><p><a href='/b'>少儿阅读推广月启动</a></p>",
    ],
    ids=["follow-qr", "reprint", "disclaimer", "app", "end-marker", "share", "related-list"],
)
def test_zh_boilerplate_at_the_end_goes_without_any_rule(tail):
    text = gone(
        ZH_STORY + tail, "二维码", "转载", "免责", "客户端", "END", "在看", "相关阅读", "少儿阅读推广月"
    )
    assert "新建三十座公共图书馆" in text and "文化氛围" in text


@pytest.mark.parametrize(
    "tail",
    [
        "<p>Subscribe to our newsletter for the latest updates.</p>",
        "<p>© 2024 Example Media. All rights reserved.</p>",
        "<p>Disclosure: we may earn a commission when you buy through links on this page.</p>",
        "<h3>Related posts</h3><ul><li><a href='/x'>Ten tips for quiet study</a></li>"
        "<li><a href='/y'>Libraries of the future</a></li></ul>",
        "<p>Leave a comment</p>",
    ],
    ids=["subscribe", "copyright", "affiliate", "related", "comment"],
)
def test_en_boilerplate_at_the_end_goes_without_any_rule(tail):
    text = gone(
        EN_STORY + tail, "newsletter", "rights reserved", "commission", "Related", "Ten tips", "Leave a"
    )
    assert "thirty public libraries" in text and "quiet study areas" in text


def test_a_story_about_qr_codes_and_copyright_keeps_every_paragraph():
    story = (
        "<p>扫码支付已经成为日常，二维码出现在菜市场、公交车和医院挂号窗口，老年人却常常因为不会扫码而被拦在门外。</p>"
        "<p>律师提醒，转载他人文章须获得授权，未经许可转载可能构成侵权，平台也会下架相关内容。</p>"
        "<p>Scan the QR code, the sign said, but the old man only had cash, and the clerk sent him away.</p>"
    )
    text = text_of(story)
    assert "老年人却常常因为不会扫码" in text
    assert "未经许可转载可能构成侵权" in text
    assert "the old man only had cash" in text


def test_the_only_block_of_a_post_stays():
    assert text_of("<p>扫码关注公众号</p>") == "扫码关注公众号"


def test_hidden_watermark_inside_paragraphs_goes():
    body = "<p>正文第一句。<font color='#ffffff'>本文首发于某某网</font>正文第二句。</p>"
    text = text_of(body)
    assert text == "正文第一句。正文第二句。"


def test_white_text_on_a_coloured_box_stays():
    body = "<p style='background:#222'><span style='color:#fff'>重要提示：明日停水。</span></p>"
    assert "明日停水" in text_of(body)


def test_balance_switch_recall_keeps_what_balanced_removes():
    body = ZH_STORY + "<p>关注 某某科技微信公众号</p>"
    assert "微信公众号" not in text_of(body)
    assert "微信公众号" in text_of(body, balance="recall")
    assert "微信公众号" in text_of(body, balance="off")


def test_keep_rule_protects_a_block_from_the_detector(tmp_path):
    rules = tmp_path / "keep.yaml"
    rules.write_text(
        "rules:\n  - {id: t.keep, description: our own sign-off, action: keep, pattern: '— END —'}\n",
        encoding="utf-8",
    )
    body = ZH_STORY + "<p>— END —</p>"
    assert "END" not in clean(body, builtin_rules=False).text
    assert "— END —" in clean(body, builtin_rules=False, rules=(str(rules),)).text


def test_explain_gives_the_detectors_reasons(tmp_path):
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: t\n---\n" + ZH_STORY + "<p>— END —</p>", encoding="utf-8")
    proc = cli("explain", str(post), "--no-builtin-rules")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    drop = next(r for r in rows if r[0] == "drop")
    assert drop[1] == "detector" and drop[3] == "— END —"
    assert "cue marker" in drop[2] and "score" in drop[2]


# --- template learning ------------------------------------------------------------------

TOPICS = ["电池续航", "屏幕亮度", "相机夜景", "散热表现", "系统更新", "售后服务"]


def feed(tmp_path, count: int = 6):
    """A folder of posts from one site: each has its own story and the site's template."""
    folder = tmp_path / "feed"
    folder.mkdir()
    for number, topic in enumerate(TOPICS[:count], 1):
        story = (
            f"<p>本期评测关注{topic}，我们用了整整{number + 2}周时间，在不同场景下反复测试，记录了每一项数据。</p>"
            f"<p>结论是：{topic}整体令人满意，但在高负载时仍有提升空间，期待厂商在下一代产品中改进。</p>"
        )
        template = "<p>每周三晚八点，锁定评测栏目不迷路</p>"
        (folder / f"{number:02d}.md").write_text(
            f"---\ntitle: 评测{number}\nauthor: 某某评测\n---\n{template}{story}", encoding="utf-8"
        )
    return folder


def run(*args):
    return cli(*args)


def test_learn_removes_a_template_line_the_detector_keeps(tmp_path):
    folder = feed(tmp_path)
    plain = run("convert", folder, "-t", "txt", "-j", "1")
    assert plain.stdout.count("锁定评测栏目不迷路") == 6  # no rule, no cue: the detector keeps it
    learned = run("convert", folder, "-t", "txt", "--learn", "-j", "1")
    assert learned.returncode == 0, learned.stderr
    assert "锁定评测栏目不迷路" not in learned.stdout
    assert learned.stdout.count("整体令人满意") == 6


def test_learn_output_is_the_same_for_any_number_of_workers(tmp_path):
    folder = feed(tmp_path)
    one = run("convert", folder, "-t", "json", "--learn", "-j", "1")
    two = run("convert", folder, "-t", "json", "--learn", "-j", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout


def test_learn_needs_several_posts_of_a_source(tmp_path):
    folder = feed(tmp_path, count=2)
    learned = run("convert", folder, "-t", "txt", "--learn", "-j", "1")
    assert learned.stdout.count("锁定评测栏目不迷路") == 2


def test_explain_names_the_template(tmp_path):
    folder = feed(tmp_path)
    pack = tmp_path / "site.yaml"
    assert run("learn", folder, "-o", pack).returncode == 0
    proc = run("explain", folder / "01.md", "--rules", pack)
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert any(
        r[0] == "drop" and r[1].startswith("learned.author.") and r[3] == "每周三晚八点，锁定评测栏目不迷路"
        for r in rows
    ), rows


def test_learned_pack_passes_the_check_and_cleans_single_files(tmp_path):
    folder = feed(tmp_path)
    pack = tmp_path / "site.yaml"
    made = run("learn", folder, "-o", pack)
    assert made.returncode == 0, made.stderr
    assert "learned 1 template blocks from 1 sources" in made.stderr
    check = run("rules", "--check", pack)
    assert check.returncode == 0 and "no mistakes" in check.stdout
    one = run("convert", folder / "03.md", "-t", "txt", "--rules", pack)
    assert "锁定评测栏目不迷路" not in one.stdout and "相机夜景整体令人满意" in one.stdout
    text = pack.read_text(encoding="utf-8")
    assert "author: ^某某评测$" in text  # scoped to the source it was learned from


def test_learn_refuses_stdin(tmp_path):
    proc = run("convert", "-", "--learn")
    assert proc.returncode == 2 and "--learn" in proc.stderr


def test_a_reference_link_that_shows_its_address_stays_at_the_end():
    body = (
        EN_STORY
        + "<p>The patch series is here:</p>"
        + "<p><a href='https://lore.kernel.org/all/patch-1/'>https://lore.kernel.org/all/patch-1/</a></p>"
    )
    assert "https://lore.kernel.org/all/patch-1/" in text_of(body)


def test_a_longer_block_with_several_cue_kinds_can_still_reach_the_threshold():
    # 68 units: each cue's weight fades, but two kinds together still fill the cap, so the
    # block must be searched for cues even though the rest of its evidence is weak.
    words = " ".join(f"word{i}" for i in range(30))
    body = f"<p>Intro short line</p><p>Another line here</p><p>follow us and copyright {words}</p>"
    text = text_of(body)
    assert "Intro short line" in text and "follow us" not in text, text


def test_a_cue_with_a_turkish_capital_i_is_still_found():
    # re.I matches "İ" for "i", where casefold() keeps them apart: the screen folds both.
    from cleanart.screen import Screen

    screen = Screen([[r"(?i)\bpin it\b"]])
    assert screen.candidates("PİN IT") == [0] and screen.candidates("PIN ıT") == [0]


@pytest.mark.parametrize(
    "label",
    [
        "Book a demo",
        "Contact Us",
        "Request a quote",
        "SUBSCRIBE",
        "Learn more »",
        "Schedule a call",
        "Speak to an expert",
        "Let's talk",
        "Skip to main content",
        # a shop's buttons and status labels
        "Add to wishlist",
        "Out of stock",
        "Free shipping on orders over $75",
        "Based on 4,567 reviews",
        "Customers who viewed this item also viewed",
        "Ajouter au panier",
    ],
)
def test_a_button_label_alone_on_its_line_goes(label):
    body = EN_STORY[: EN_STORY.index("</p>") + 4] + f"<p>{label}</p>" + EN_STORY[EN_STORY.index("</p>") + 4 :]
    text = gone(body, label)
    assert "thirty public libraries" in text and "quiet study areas" in text


def test_the_same_words_inside_a_sentence_stay():
    sentence = "Readers who want to contact us about a missing library can book a demo of the new catalogue."
    assert sentence in text_of(EN_STORY + f"<p>{sentence}</p>")
    shop = "The library shop has the map in stock, and free shipping on orders over $75 is coming."
    assert shop in text_of(EN_STORY + f"<p>{shop}</p>")
