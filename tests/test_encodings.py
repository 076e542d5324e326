"""Inputs arrive as bytes in whatever encoding the scraper saved; the user gets right text."""

from __future__ import annotations

import json

import pytest
from conftest import cli

from cleanart import Options, clean

ZH_TITLE = "城市图书馆周末开放"
ZH_P1 = "本市图书馆从下个月起将在周末延长开放时间，读者可以在晚上九点之前借还图书。"
ZH_P2 = "馆方表示，这一举措是为了方便上班族和学生，同时新增了两个自习室和一个儿童阅读区。"
ZH_DOC = f"---\ntitle: {ZH_TITLE}\n---\n<p>{ZH_P1}</p>\n<p>{ZH_P2}</p>\n"

EN_DOC = "---\ntitle: Café menu\n---\n<p>The café serves crème brûlée — and naïve coffee.</p>\n"


def _run(*args, stdin=None):
    return cli(*args, stdin=stdin, binary=True)


# --- Unicode ---------------------------------------------------------------------------


def test_utf8_without_bom():
    art = clean(ZH_DOC.encode("utf-8"))
    assert art.encoding == "utf-8"
    assert art.meta["title"] == ZH_TITLE
    assert art.text == f"{ZH_P1}\n\n{ZH_P2}"
    assert art.warnings == []


def test_utf8_with_bom():
    art = clean(b"\xef\xbb\xbf" + ZH_DOC.encode("utf-8"))
    assert art.encoding.replace("_", "-").startswith("utf-8")
    assert art.meta["title"] == ZH_TITLE
    assert art.text == f"{ZH_P1}\n\n{ZH_P2}"
    assert "\ufeff" not in art.render("md")
    assert art.warnings == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    data = ZH_DOC.encode(codec)
    if codec != "utf-16":  # the explicit-endian codecs write no BOM: add it
        data = "\ufeff".encode(codec) + data
    art = clean(data)
    assert art.encoding.replace("_", "-").lower().startswith("utf-16")
    assert art.meta["title"] == ZH_TITLE
    assert art.text == f"{ZH_P1}\n\n{ZH_P2}"
    assert "\x00" not in art.text
    assert art.warnings == []


def test_latin_accents_in_utf8():
    art = clean(EN_DOC.encode("utf-8"))
    assert art.meta["title"] == "Café menu"
    assert art.text == "The café serves crème brûlée — and naïve coffee."


# --- Chinese legacy encodings ---------------------------------------------------------------


@pytest.mark.parametrize("codec", ["gbk", "gb2312", "gb18030"])
def test_chinese_legacy_encodings_decode_and_report_gb18030(codec):
    art = clean(ZH_DOC.encode(codec))
    assert art.meta["title"] == ZH_TITLE
    assert art.text == f"{ZH_P1}\n\n{ZH_P2}"
    assert art.encoding == "gb18030"
    assert "\ufffd" not in art.text
    assert art.warnings == []
    assert json.loads(art.render("json"))["encoding"] == "gb18030"


def test_gbk_character_outside_gb2312_decodes():
    # 镕 and 堃 are in GBK but not GB2312
    para = "朱镕基曾经在这里发表讲话，王堃记者在现场做了详细的报道和记录。" * 2
    doc = f"---\ntitle: 访问记录\n---\n<p>{para}</p>\n<p>{ZH_P1}</p>\n"
    art = clean(doc.encode("gbk"))
    assert "朱镕基" in art.text
    assert "王堃" in art.text
    assert "\ufffd" not in art.text
    assert art.encoding == "gb18030"


def test_html_labelled_gb2312_using_gbk_characters_decodes():
    para = "朱镕基曾经在这里发表讲话，王堃记者在现场做了详细的报道。"
    doc = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>访问记录</title></head><body><p>{para}</p></body></html>"
    )
    art = clean(doc.encode("gbk"))
    assert para in art.text
    assert art.encoding == "gb18030"
    assert art.warnings == []


def test_meta_charset_gbk_respected():
    doc = (
        '<!DOCTYPE html><html><head><meta charset="gbk"><title>短讯</title></head>'
        "<body><article><p>今天天气很好。</p></article></body></html>"
    )
    art = clean(doc.encode("gbk"))
    assert "今天天气很好。" in art.text
    assert art.encoding == "gb18030"
    assert art.meta["title"] == "短讯"


def test_meta_charset_is_respected_over_guessing_for_short_text():
    # Two GBK bytes per character, very short: detection alone could guess anything.
    doc = '<html><head><meta charset="GBK"></head><body><p>中文</p></body></html>'
    art = clean(doc.encode("gbk"))
    assert art.text == "中文"


# --- user override -----------------------------------------------------------------------


def test_encoding_option_overrides_detection():
    # cp1252 bytes; told the encoding, cleanart must use it
    data = "<p>Déjà vu at the café.</p>".encode("cp1252")
    art = clean(data, encoding="cp1252")
    assert art.text == "Déjà vu at the café."
    art2 = clean(data, options=Options(encoding="windows-1252"))
    assert art2.text == "Déjà vu at the café."


def test_encoding_option_wins_over_valid_utf8():
    # valid UTF-8 bytes, but the user says latin-1: the user is obeyed
    data = "<p>café</p>".encode()
    art = clean(data, encoding="latin-1")
    assert art.text != "café"
    assert art.text.startswith("caf")
    assert art.text.endswith("\u00a9")  # é in UTF-8 is C3 A9; A9 is © in latin-1/cp1252


def test_encoding_option_gbk_for_short_ambiguous_bytes():
    data = "<p>你好</p>".encode("gbk")
    art = clean(data, encoding="gbk")
    assert art.text == "你好"


def test_cli_encoding_override(tmp_path):
    post = tmp_path / "short.html"
    post.write_bytes("<p>你好，世界</p>".encode("gbk"))
    proc = _run("convert", str(post), "--encoding", "gbk", "-t", "txt")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8").strip() == "你好，世界"


def test_cli_gbk_file_detected_output_is_utf8(tmp_path):
    post = tmp_path / "news.md"
    post.write_bytes(ZH_DOC.encode("gbk"))
    proc = _run("convert", str(post), "-t", "json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout.decode("utf-8"))
    assert record["title"] == ZH_TITLE
    assert record["encoding"] == "gb18030"
    assert ZH_P1 in record["text"]


def test_cli_unknown_encoding_is_a_usage_error(tmp_path):
    post = tmp_path / "a.md"
    post.write_text("hello\n", encoding="utf-8")
    proc = _run("convert", str(post), "--encoding", "no-such-codec")
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("cleanart: --encoding no-such-codec: unknown encoding\n")
    assert proc.stdout == b""


# --- broken bytes ---------------------------------------------------------------------------


def test_undecodable_bytes_become_replacement_char_with_warning():
    data = ZH_DOC.encode("utf-8")
    p2 = ZH_P2.encode("utf-8")
    broken = data.replace(p2, b"\xff\xfe\xfd" + p2[3:])
    art = clean(broken)  # never raises
    assert ZH_P1 in art.text  # the rest is still right
    assert "\ufffd" in art.text
    assert art.warnings, "replaced bytes must be reported"
    assert any("U+FFFD" in w or "undecodable" in w for w in art.warnings)


def test_truncated_utf8_sequence_at_end():
    data = ZH_DOC.encode("utf-8").rstrip(b"\n")[: -len("</p>")]  # ends mid-article
    data = data[:-1]  # cut the last character in half
    art = clean(data)
    assert ZH_P1 in art.text
    assert art.warnings


def test_undecodable_bytes_with_forced_encoding_warn():
    art = clean(b"<p>abc \xff\xff def</p>", encoding="utf-8")
    assert art.text == "abc \ufffd\ufffd def"
    assert art.warnings


def test_real_replacement_character_in_source_is_not_a_warning():
    art = clean("<p>a \ufffd b</p>".encode("utf-8"))
    assert art.text == "a \ufffd b"
    assert art.warnings == []


def test_cli_undecodable_bytes_warn_but_exit_0(tmp_path):
    post = tmp_path / "bad.html"
    post.write_bytes(("<p>" + ZH_P1 + "</p>").encode("utf-8") + b"<p>x \xff\xfe y</p>")
    proc = _run("convert", str(post), "-t", "txt")
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")
    assert ZH_P1 in out
    assert "\ufffd" in out
    assert f"cleanart: {post}: warning:".encode() in proc.stderr


@pytest.mark.parametrize(
    "text",
    [
        "今天天气不错，我们去公园散步吧。",
        "标题：新闻\n\n今天天气不错。",
        "第一段。\n\n第二段，内容比较短。\n",
    ],
    ids=["one-line", "two-paragraphs", "short-paragraphs"],
)
@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_short_gbk_plain_text_is_not_mistaken_for_another_encoding(text, codec):
    art = clean(text.encode(codec))
    assert art.text == text.strip()
    assert art.encoding == "gb18030"


def test_a_page_read_from_utf8_bytes_parses_as_its_text_does():
    """A body that is the whole input decoded from UTF-8 is parsed from the input's bytes
    (not encoded again); with a BOM, an XML declaration, CRLF or a header it is encoded
    as before.  Either way the output is that of the decoded text."""
    from cleanart import clean

    page = "<html><head><title>T</title></head><body><p>Grüße, 世界 ’quoted’ text.</p></body></html>"
    for raw in (
        page,
        "\ufeff" + page,
        '<?xml version="1.0" encoding="utf-8"?>' + page,
        page.replace("><", ">\r\n<"),
        "---\ntitle: x\n---\n" + page,
    ):
        data = raw.encode("utf-8")
        assert clean(data).render("md") == clean(data.decode("utf-8").lstrip("\ufeff")).render("md"), raw
