"""What a user sees when cleanart reads the metadata header of an article."""

from __future__ import annotations

import json

import pytest
from conftest import cli

from cleanart import HeaderError, clean

BODY = "<p>First paragraph of the post.</p>\n<p>Second paragraph.</p>\n"


# --- header dialects ------------------------------------------------------------------

DIALECTS = {
    "yaml": "---\ntitle: Hello World\nauthor: Ann\n---\n" + BODY,
    "toml": '+++\ntitle = "Hello World"\nauthor = "Ann"\n+++\n' + BODY,
    "json-object": '{\n  "title": "Hello World",\n  "author": "Ann"\n}\n' + BODY,
    "hexo-json": '"title": "Hello World",\n"author": "Ann"\n;;;\n' + BODY,
    "hexo-yaml-no-leading-dashes": "title: Hello World\nauthor: Ann\n---\n" + BODY,
    "yaml-after-blank-lines": "\n\n---\ntitle: Hello World\nauthor: Ann\n---\n" + BODY,
}


@pytest.mark.parametrize("raw", DIALECTS.values(), ids=DIALECTS.keys())
def test_header_dialects_give_title_and_author_and_leave_body_clean(raw):
    art = clean(raw)
    assert art.meta["title"] == "Hello World"
    assert art.meta["author"] == "Ann"
    assert art.text.splitlines()[0] == "First paragraph of the post."
    # nothing of the header leaks into the body
    for leak in ("title", "Hello World", "---", "+++", ";;;", '"author"'):
        assert leak not in art.text
        assert leak not in art.markdown
    assert art.warnings == []


def test_utf8_bom_before_yaml_header_bytes():
    raw = b"\xef\xbb\xbf---\ntitle: Bom Post\n---\n<p>Body text.</p>\n"
    art = clean(raw)
    assert art.meta["title"] == "Bom Post"
    assert art.text == "Body text."
    assert "\ufeff" not in art.render("md")


def test_utf8_bom_before_yaml_header_str():
    art = clean("\ufeff---\ntitle: Bom Post\n---\nBody text.\n")
    assert art.meta["title"] == "Bom Post"
    assert art.text == "Body text."


def test_crlf_line_ends():
    raw = b"---\r\ntitle: Windows Post\r\ntags: [a, b]\r\n---\r\n<p>One.</p>\r\n<p>Two.</p>\r\n"
    art = clean(raw)
    assert art.meta["title"] == "Windows Post"
    assert art.meta["tags"] == ["a", "b"]
    assert "\r" not in art.text
    assert "\r" not in art.render("md")
    assert art.text.split("\n\n") == ["One.", "Two."]


def test_no_header_at_all():
    art = clean("<p>Just a body, nothing else.</p>")
    assert art.meta["title"] is None
    assert art.meta["date"] is None
    assert art.meta["categories"] == []
    assert art.meta["tags"] == []
    assert art.front_matter == {}
    assert art.text == "Just a body, nothing else."
    assert art.warnings == []


def test_thematic_break_in_plain_markdown_is_not_a_header():
    raw = "Intro line here.\n\n---\n\nAfter the break.\n"
    art = clean(raw)
    assert art.front_matter == {}
    assert "Intro line here." in art.text
    assert "After the break." in art.text


def test_empty_body_after_header():
    art = clean("---\ntitle: Only Meta\ndate: 2021-01-02\n---\n")
    assert art.meta["title"] == "Only Meta"
    assert art.text == ""
    md = art.render("md")
    assert md.startswith("---\n")
    assert "title: Only Meta" in md
    assert art.render("txt") == ""


def test_header_only_without_trailing_newline():
    art = clean("---\ntitle: Only Meta\n---")
    assert art.meta["title"] == "Only Meta"
    assert art.text == ""


def test_completely_empty_input():
    art = clean("")
    assert art.text == ""
    assert art.meta["title"] is None
    assert json.loads(art.render("json"))["text"] == ""


# --- invalid YAML ----------------------------------------------------------------------

BROKEN_QUOTE = "---\ntitle: 'It's broken'\nauthor: Bob\n---\n<p>Body.</p>\n"
BROKEN_DATE = "---\ntitle: Dated\ndate: Invalid Date\n---\n<p>Body.</p>\n"


def test_invalid_yaml_read_leniently_with_warning_naming_line():
    art = clean(BROKEN_QUOTE)
    assert art.meta["title"] == "It's broken"
    assert art.meta["author"] == "Bob"
    assert art.text == "Body."
    assert art.warnings, "a broken header must be reported"
    assert any("line 2" in w for w in art.warnings), art.warnings


def test_invalid_yaml_strict_raises_header_error_with_line():
    with pytest.raises(HeaderError) as info:
        clean(BROKEN_QUOTE, strict=True)
    assert info.value.line == 2


def test_invalid_date_kept_as_given_with_warning():
    art = clean(BROKEN_DATE)
    assert art.meta["title"] == "Dated"
    assert art.meta["date"] == "Invalid Date"
    assert any("Invalid Date" in w for w in art.warnings), art.warnings


def test_invalid_date_warning_names_the_line():
    art = clean(BROKEN_DATE)
    assert any("line 3" in w for w in art.warnings), art.warnings


def test_invalid_date_strict_is_an_error():
    with pytest.raises(HeaderError):
        clean(BROKEN_DATE, strict=True)


@pytest.mark.parametrize("raw", [BROKEN_QUOTE, BROKEN_DATE], ids=["bad-quote", "bad-date"])
def test_cli_strict_bad_header_exit_1_and_one_stderr_line(tmp_path, raw):
    post = tmp_path / "broken.md"
    post.write_text(raw, encoding="utf-8")
    proc = cli("convert", str(post), "--strict")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"cleanart: {post}: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_cli_lenient_bad_header_warns_but_succeeds(tmp_path):
    post = tmp_path / "broken.md"
    post.write_text(BROKEN_QUOTE, encoding="utf-8")
    proc = cli("convert", str(post))
    assert proc.returncode == 0
    assert f"cleanart: {post}: warning:" in proc.stderr
    assert "Body." in proc.stdout


def test_python_object_tag_is_an_error_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    raw = (
        "---\ntitle: Evil\nx: !!python/object/apply:os.system "
        f'["echo hacked > {marker}"]\n---\n<p>Body.</p>\n'
    )
    with pytest.raises(HeaderError):
        clean(raw)
    with pytest.raises(HeaderError):
        clean(raw, strict=True)
    assert not marker.exists()


def test_python_object_tag_cli_fails_cleanly(tmp_path):
    marker = tmp_path / "pwned"
    post = tmp_path / "evil.md"
    post.write_text(
        f'---\ntitle: Evil\nx: !!python/object/apply:os.system ["touch {marker}"]\n---\nBody.\n',
        encoding="utf-8",
    )
    proc = cli("convert", str(post))
    assert proc.returncode == 1
    assert not marker.exists()
    assert "Traceback" not in proc.stderr
    assert str(post) in proc.stderr


def test_hash_at_start_of_title_is_kept():
    art = clean("---\ntitle: #1 hit\n---\nBody.\n")
    assert art.meta["title"] == "#1 hit"


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("Wed, 28 Apr 2021 12:03:15 GMT", "2021-04-28T12:03:15+00:00"),
        ("2021-03-22 03:22:20", "2021-03-22T03:22:20"),
        ("2013/7/13 20:46:25", "2013-07-13T20:46:25"),
        ("2021-07-05 20:00:00 -0400", "2021-07-05T20:00:00-04:00"),
        ("2021-01-02", "2021-01-02"),
        ("2021-05-06T07:08:09Z", "2021-05-06T07:08:09+00:00"),
    ],
)
def test_date_normalised_to_iso_8601(given, expected):
    art = clean(f"---\ntitle: T\ndate: {given}\n---\nBody.\n")
    assert art.meta["date"] == expected
    assert art.warnings == []
    # and the rendered header says the same
    assert json.loads(art.render("json"))["date"] == expected


def test_quoted_hexo_date_in_toml_and_json_headers():
    assert clean('+++\ndate = "2013/7/13 20:46:25"\n+++\nx\n').meta["date"] == "2013-07-13T20:46:25"
    assert clean('{"date": "2021-03-22 03:22:20"}\nx\n').meta["date"] == "2021-03-22T03:22:20"


def test_toml_native_datetime():
    art = clean("+++\ntitle = 'T'\ndate = 2021-07-05T20:00:00-04:00\n+++\nBody.\n")
    assert art.meta["date"] == "2021-07-05T20:00:00-04:00"
    json.dumps(art.front_matter)


def test_updated_date_from_lastmod():
    art = clean("---\ntitle: T\ndate: 2021-01-02\nupdated: 2021/2/3 04:05:06\n---\nx\n")
    assert art.meta["updated"] == "2021-02-03T04:05:06"


def test_unparseable_date_kept_with_warning():
    art = clean("---\ntitle: T\ndate: sometime last spring\n---\nBody.\n")
    assert art.meta["date"] == "sometime last spring"
    assert len(art.warnings) == 1
    assert "date" in art.warnings[0]


# --- categories, tags, image, url ------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("tags: python, web, 爬虫", ["python", "web", "爬虫"]),
        ("tags: python web scraping", ["python", "web", "scraping"]),
        ("tags: [python, web]", ["python", "web"]),
        ("tags:\n  - python\n  - web", ["python", "web"]),
        ("tags: python", ["python"]),
        ("tags: 新闻，国际", ["新闻", "国际"]),
    ],
)
def test_tags_become_a_list(line, expected):
    art = clean(f"---\ntitle: T\n{line}\n---\nBody.\n")
    assert art.meta["tags"] == expected


def test_categories_comma_string_become_list():
    art = clean("---\ncategories: Tech, Life\n---\nBody.\n")
    assert art.meta["categories"] == ["Tech", "Life"]


def test_single_category_key_accepted():
    art = clean("---\ncategory: Tech\n---\nBody.\n")
    assert art.meta["categories"] == ["Tech"]


def test_hexo_nested_category_lists_keep_order():
    raw = "---\ntitle: T\ncategories:\n  - [Programming, Python]\n  - [Life, Travel]\n---\nBody.\n"
    art = clean(raw)
    assert art.meta["categories"] == [["Programming", "Python"], ["Life", "Travel"]]
    json.dumps(art.meta)


def test_hexo_hierarchical_category_list_keeps_order():
    art = clean("---\ncategories:\n- Zeta\n- Alpha\n- Mid\n---\nBody.\n")
    assert art.meta["categories"] == ["Zeta", "Alpha", "Mid"]


@pytest.mark.parametrize("key", ["image", "headimg", "thumbnail", "cover"])
def test_image_taken_from_common_keys(key):
    art = clean(f"---\ntitle: T\n{key}: https://example.com/pic.jpg\n---\nBody.\n")
    assert art.meta["image"] == "https://example.com/pic.jpg"


@pytest.mark.parametrize("key", ["url", "link", "permalink"])
def test_url_taken_from_common_keys(key):
    art = clean(f"---\ntitle: T\n{key}: https://example.com/posts/1\n---\nBody.\n")
    assert art.meta["url"] == "https://example.com/posts/1"


def test_front_matter_keeps_whole_original_header_json_safe():
    raw = (
        "---\n"
        "title: Keep Me\n"
        "date: 2021-01-02 03:04:05\n"
        "day: 2020-12-31\n"
        "custom_field: 42\n"
        "nested:\n  a: [1, 2]\n  when: 2019-01-01\n"
        "draft: false\n"
        "---\nBody.\n"
    )
    art = clean(raw)
    fm = art.front_matter
    dumped = json.dumps(fm)  # must not raise
    assert json.loads(dumped) == fm
    assert fm["title"] == "Keep Me"
    assert fm["custom_field"] == 42
    assert fm["draft"] is False
    assert isinstance(fm["date"], str) and fm["date"].startswith("2021-01-02")
    assert fm["day"] == "2020-12-31"
    assert fm["nested"]["a"] == [1, 2]
    assert fm["nested"]["when"] == "2019-01-01"
    record = json.loads(art.render("json"))
    assert record["front_matter"] == fm


def test_md_output_header_is_valid_yaml_with_normalised_fields():
    import yaml

    art = clean("---\ntitle: 'Colon: in title'\ndate: 2013/7/13 20:46:25\ntags: a, b\n---\nBody text.\n")
    md = art.render("md")
    assert md.startswith("---\n")
    head, _, body = md[4:].partition("\n---\n")
    data = yaml.safe_load(head)
    assert data["title"] == "Colon: in title"
    assert str(data["date"]).replace(" ", "T").startswith("2013-07-13T20:46:25")
    assert data["tags"] == ["a", "b"]
    assert "Body text." in body


# --- one metadata module, one error family ---------------------------------------------


def test_the_markdown_header_shows_each_field_once():
    raw = (
        "---\ntitle: t\ncategory: 财经\ntag: x\nkeywords: k\nauthors: [A, B]\n"
        "source: https://ex.com/a\nlink: https://other.example/b\nextra: kept\n---\n<p>正文。</p>\n"
    )
    header = clean(raw).render("md").split("---\n")[1]
    assert header == (
        "title: t\nauthor: A, B\ncategories:\n- 财经\ntags:\n- x\nurl: https://other.example/b\n"
        "keywords: k\nsource: https://ex.com/a\nextra: kept\n"
    )


def test_a_source_that_is_no_address_stays_in_the_header():
    header = clean("---\ntitle: t\nsource: 新华社\n---\n<p>正文。</p>\n").render("md")
    assert "source: 新华社" in header and "url:" not in header


def test_warnings_are_records_with_code_message_and_line():
    from cleanart import CleanartWarning

    art = clean("---\ntitle: a\ntitle: b\n---\n<p>Body.</p>\n")
    (warning,) = art.warnings
    assert isinstance(warning, CleanartWarning)
    assert (warning.code, warning.line) == ("duplicate-key", 3)
    assert warning.message.startswith("duplicate key 'title'")
    assert str(warning) == f"line 3: {warning.message}"


def test_strict_fails_on_any_warning_in_the_api_as_in_the_cli(tmp_path):
    from conftest import cli

    from cleanart import CleanartError, StrictError

    raw = "<p>扫码关注公众号，获取更多资讯</p>"
    assert [w.code for w in clean(raw).warnings] == ["no-text"]  # one warning, not two
    with pytest.raises(StrictError) as caught:
        clean(raw, strict=True)
    assert isinstance(caught.value, CleanartError)
    post = tmp_path / "promo.html"
    post.write_text(raw, encoding="utf-8")
    proc = cli("convert", post, "--strict")
    assert proc.returncode == 1
    assert proc.stderr == f"cleanart: {post}: {caught.value}\n"


def test_every_error_is_a_cleanart_error_and_keeps_its_old_base():
    from cleanart import CleanartError, DecodeError, OutputError, RuleError

    for kind, old in ((HeaderError, ValueError), (RuleError, ValueError), (DecodeError, ValueError)):
        assert issubclass(kind, CleanartError) and issubclass(kind, old)
    assert issubclass(OutputError, CleanartError) and issubclass(OutputError, OSError)
    with pytest.raises(DecodeError):
        clean(b"\x89PNG\r\n\x1a\n" + bytes(64))
