"""Scraper records as inputs: JSON Lines files and WARC archives, built here.

The command runs in this process (typer's runner), as a user would type it; the
WARC files are written with warcio, the library cleanart reads them with.
"""

from __future__ import annotations

import gzip
import io
import json
import re

import pytest
from typer.testing import CliRunner

from cleanart.cli import app

SUMMARY = re.compile(
    r"^cleanart: (\d+) converted, (\d+) skipped, (\d+) failed, (\d+) empty in [\d.]+ s$", re.M
)

GARDEN = {
    "url": "https://blog.example.com/2021/03/garden.html",
    "title": "Garden Diary",
    "date": "2021-03-22T03:22:20Z",
    "author": "Ann",
    "tags": ["garden", "spring"],
    "status": 200,
    "html": "<p>The tulips came up this week, earlier than last year.</p>",
}
NEWS = {
    "link": "https://news.example.cn/2021/04/charging.shtml",
    "title": "充电设施三年行动计划",
    "body": "<p>　　计划明确，将优先在居民小区布局快充设施，并鼓励社会资本参与建设运营。</p>",
}


def convert(*args):
    """``cleanart convert ARGS`` in this process: (exit status, stdout, stderr)."""
    result = CliRunner().invoke(app, ["convert", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def summary(stderr: str) -> tuple[int, int, int, int]:
    found = SUMMARY.search(stderr)
    assert found, stderr
    return tuple(int(n) for n in found.groups())


def jsonl(path, *lines, gz=False):
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
    )
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


# --- JSON Lines -------------------------------------------------------------------------


def test_each_json_line_is_one_input_with_its_fields_as_metadata(tmp_path):
    crawl = jsonl(tmp_path / "crawl.jsonl", GARDEN, NEWS)
    status, out, err = convert(crawl, "-j", "1")
    assert status == 0, err
    garden, news = (json.loads(line) for line in out.splitlines())
    assert garden["source"] == f"{crawl}:1" and news["source"] == f"{crawl}:2"
    assert garden["title"] == "Garden Diary"
    assert garden["url"] == GARDEN["url"]
    assert garden["date"] == "2021-03-22T03:22:20+00:00"
    assert garden["author"] == "Ann"
    assert garden["text"] == "The tulips came up this week, earlier than last year."
    # Every other string field is the header; the list and the number are left out.
    assert garden["front_matter"] == {k: GARDEN[k] for k in ("url", "title", "date", "author")}
    assert news["url"] == NEWS["link"]  # found in "body", its url under "link"
    assert news["text"] == "计划明确，将优先在居民小区布局快充设施，并鼓励社会资本参与建设运营。"
    assert news["encoding"] == "utf-8"
    assert summary(err) == (2, 0, 0, 0)


def test_gzipped_json_lines_read_like_plain_ones(tmp_path):
    plain = convert(jsonl(tmp_path / "crawl.jsonl", GARDEN, NEWS), "-j", "1", "-t", "txt")
    zipped = convert(jsonl(tmp_path / "crawl.jsonl.gz", GARDEN, NEWS, gz=True), "-j", "1", "-t", "txt")
    assert zipped[0] == 0
    assert zipped[1] == plain[1]
    assert "tulips" in zipped[1] and "快充设施" in zipped[1]


def test_field_options_choose_the_html_and_the_metadata(tmp_path):
    record = {
        "page": "<p>Chosen body text.</p>",
        "html": "<p>Not this one.</p>",
        **{"title": "T", "tags": ["a", "b"]},
    }
    crawl = jsonl(tmp_path / "crawl.jsonl", record)
    status, out, err = convert(
        crawl, "-j", "1", "--html-field", "page", "--field", "title", "--field", "tags"
    )
    assert status == 0, err
    found = json.loads(out)
    assert found["text"] == "Chosen body text."
    assert found["tags"] == ["a", "b"]
    assert found["front_matter"] == {"title": "T", "tags": ["a", "b"]}


def test_bad_records_are_named_by_line_and_the_run_goes_on(tmp_path):
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_bytes(
        json.dumps(GARDEN).encode()
        + b"\n{not json\n"
        + json.dumps({"url": "https://example.com/x", "text": "no html field"}).encode()
        + b'\n{"html": "<p>caf\xe9 in Latin-1</p>"}\n'
        + b'["a list"]\n\n'
        + json.dumps(NEWS, ensure_ascii=False).encode()
        + b"\n"
    )
    status, out, err = convert(crawl, "-j", "1")
    assert status == 1
    assert [json.loads(line)["source"] for line in out.splitlines()] == [f"{crawl}:1", f"{crawl}:7"]
    messages = [line for line in err.splitlines() if not SUMMARY.match(line)]
    assert messages == [
        f"cleanart: {crawl}:2: bad JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        f"cleanart: {crawl}:3: no HTML field (looked for html, body, content, raw)",
        f"cleanart: {crawl}:4: not UTF-8 (a JSON Lines file is UTF-8)",
        f"cleanart: {crawl}:5: a JSON list, not an object",
    ]
    assert summary(err) == (2, 0, 4, 0)


def test_a_truncated_gzip_file_converts_what_it_holds_and_says_where_it_broke(tmp_path):
    whole = gzip.compress(b"".join(json.dumps(GARDEN).encode() + b"\n" for _ in range(50)))
    crawl = tmp_path / "crawl.jsonl.gz"
    crawl.write_bytes(whole[:-4])  # the data whole, the trailer cut: the download broke
    status, out, err = convert(crawl, "-j", "1", "-t", "txt", "-q")
    assert status == 1
    assert out.count("tulips") == 50
    assert f"cleanart: {crawl}:51: cannot read on: " in err


def test_records_to_a_folder_are_named_from_their_url_the_same_on_every_run(tmp_path):
    again = dict(GARDEN, html="<p>The same page, fetched a second time.</p>")
    crawl = jsonl(tmp_path / "crawl.jsonl", GARDEN, NEWS, again, {"html": "<p>A record without a URL.</p>"})
    out = tmp_path / "out"
    status, _, err = convert(crawl, "-j", "1", "-o", out, "-t", "md")
    assert status == 0, err
    first = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert len(first) == 4  # the page fetched twice is two files, neither overwritten
    assert [re.sub(r"-[0-9a-f]{12}\.md$", "", name) for name in first] == [
        "blog.example.com/garden",
        "blog.example.com/garden",
        "news.example.cn/charging",
        "no-url/crawl-4",
    ]
    contents = {name: (out / name).read_text() for name in first}
    assert any("fetched a second time" in text for text in contents.values())
    status, _, _ = convert(crawl, "-j", "2", "-o", out, "-t", "md")
    assert status == 0
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == first
    assert {name: (out / name).read_text() for name in first} == contents


def test_update_skips_records_whose_output_is_newer(tmp_path):
    crawl = jsonl(tmp_path / "crawl.jsonl", GARDEN, NEWS)
    out = tmp_path / "out"
    assert convert(crawl, "-j", "1", "-o", out)[0] == 0
    status, _, err = convert(crawl, "-j", "1", "-o", out, "-u")
    assert status == 0
    assert summary(err) == (0, 2, 0, 0)


def test_update_skips_a_record_before_cleaning_it(tmp_path, monkeypatch):
    # The rerun is --strict: a record whose date cleaning would refuse is skipped, not
    # failed, since its output (named from its url) is up to date; a record without a
    # url field is still cleaned, as its page's canonical link may name its output.
    dated = dict(GARDEN, date="the day the tulips came up")
    crawl = jsonl(tmp_path / "crawl.jsonl", dated, NEWS, {"html": "<p>A record without a URL.</p>"})
    out = tmp_path / "out"
    assert convert(crawl, "-j", "1", "-o", out)[0] == 0
    from cleanart import api

    cleaned, clean = [], api.clean

    def counted(raw, source, *args):
        cleaned.append(source)
        return clean(raw, source, *args)

    monkeypatch.setattr(api, "clean", counted)
    status, _, err = convert(crawl, "-j", "1", "-o", out, "-u", "--strict")
    assert (status, summary(err)) == (0, (0, 3, 0, 0)), err
    assert cleaned == [f"{crawl}:3"]


def test_records_into_one_json_lines_file(tmp_path):
    crawl = jsonl(tmp_path / "crawl.jsonl", GARDEN, NEWS)
    target = tmp_path / "clean" / "all.jsonl"
    status, out, err = convert(crawl, "-j", "2", "-o", target)
    assert status == 0, err
    assert out == ""
    assert [json.loads(line)["title"] for line in target.read_text().splitlines()] == [
        "Garden Diary",
        "充电设施三年行动计划",
    ]
    assert [p.name for p in target.parent.iterdir()] == ["all.jsonl"]  # no temporary left


def test_a_json_lines_output_file_that_cannot_be_made_is_one_line(tmp_path):
    crawl = jsonl(tmp_path / "crawl.jsonl", GARDEN)
    (tmp_path / "file").write_text("a file, not a folder")
    status, out, err = convert(crawl, "-o", tmp_path / "file" / "all.jsonl")
    assert status == 1
    assert out == ""
    (line,) = err.splitlines()  # one line, the system's reason after the file's name
    assert line.startswith(f"cleanart: cannot write {tmp_path}/file/all.jsonl: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.jsonl", "file"]


def test_a_json_lines_output_file_takes_json_only(tmp_path):
    crawl = jsonl(tmp_path / "crawl.jsonl", GARDEN)
    status, _, err = convert(crawl, "-o", tmp_path / "all.jsonl", "-t", "md")
    assert status == 2
    assert "holds JSON Lines: use -t json" in err


# --- WARC -------------------------------------------------------------------------------


def warc(path, *records, gz=True):
    """A WARC file of (kind, url, status, content type, payload) records, written by warcio."""
    warcio = pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders

    with open(path, "wb") as stream:
        writer = warcio.WARCWriter(stream, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for kind, url, status, content_type, payload in records:
            if kind == "request":
                http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "example")], is_http_request=True)
                record = writer.create_warc_record(url, "request", http_headers=http)
            else:
                http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
                record = writer.create_warc_record(url, kind, payload=io.BytesIO(payload), http_headers=http)
            writer.write_record(record)
    return path


# Short Cyrillic text in KOI8-R: detection alone would not name it; the HTTP header does.
KOI8 = "<html><body><article><p>Привет, мир! Это короткая статья.</p></article></body></html>"
GBK = "<html><head><title>某某市发布计划</title></head><body><article><p>计划明确，将优先在居民小区布局快充设施，并鼓励社会资本参与建设运营。</p></article></body></html>"
GBK_PAGE = (
    "response",
    "https://news.example.cn/a.html",
    "200 OK",
    "text/html; charset=gbk",
    GBK.encode("gbk"),
)


def test_each_html_response_in_a_warc_is_one_input_the_rest_skipped_and_counted(tmp_path):
    archive = warc(
        tmp_path / "crawl.warc.gz",
        ("request", "https://news.example.cn/a.html", "", "", b""),
        ("response", "https://news.example.cn/a.html", "200 OK", "text/html; charset=GBK", GBK.encode("gbk")),
        ("response", "https://news.example.cn/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n...."),
        ("response", "https://news.example.cn/old", "301 Moved Permanently", "text/html", b"<p>moved</p>"),
        (
            "response",
            "https://ru.example.org/privet",
            "200 OK",
            "text/html; charset=koi8-r",
            KOI8.encode("koi8-r"),
        ),
    )
    status, out, err = convert(archive, "-j", "1")
    assert status == 0, err
    news, ru = (json.loads(line) for line in out.splitlines())
    assert news["url"] == "https://news.example.cn/a.html"
    assert news["title"] == "某某市发布计划"
    assert news["encoding"] == "gb18030"
    assert news["text"] == "计划明确，将优先在居民小区布局快充设施，并鼓励社会资本参与建设运营。"
    assert re.fullmatch(rf"{re.escape(str(archive))}@\d+", news["source"])
    assert ru["encoding"] == "koi8-r"
    assert ru["text"] == "Привет, мир! Это короткая статья."
    assert ru["url"] == "https://ru.example.org/privet"
    assert summary(err) == (2, 2, 0, 0)  # the image and the redirect


def test_an_uncompressed_warc_reads_the_same(tmp_path):
    zipped = convert(warc(tmp_path / "a.warc.gz", GBK_PAGE), "-j", "1", "-t", "txt")
    plain = convert(warc(tmp_path / "a.warc", GBK_PAGE, gz=False), "-j", "1", "-t", "txt")
    assert plain[0] == 0
    assert plain[1] == zipped[1] == "计划明确，将优先在居民小区布局快充设施，并鼓励社会资本参与建设运营。\n"


def test_a_broken_warc_converts_the_records_before_the_break(tmp_path):
    archive = warc(tmp_path / "a.warc.gz", GBK_PAGE, GBK_PAGE)
    data = archive.read_bytes()
    archive.write_bytes(data + b"garbage after the records\r\n\r\n")
    status, out, err = convert(archive, "-j", "1", "-t", "txt", "-q")
    assert status == 1
    assert out.count("快充设施") == 2
    assert re.search(rf"cleanart: {re.escape(str(archive))}@\d+: cannot read the archive on: ", err)
