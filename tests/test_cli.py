"""The `cleanart` command as a user runs it from a shell (in-process: see conftest.cli)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import cli, process

import cleanart

POST = """---
title: Garden Diary
date: 2021-03-22 03:22:20
tags: garden, spring
---
<p>The tulips came up this week, earlier than last year.</p>
<p>I moved the <a href="https://example.com/bench">bench</a> under the apple tree.</p>
"""

BROKEN = "---\ntitle: 'It's broken'\n---\n<p>Body survives.</p>\n"


def run(*args, stdin=None, cwd=None):
    return cli(*args, stdin=stdin, cwd=cwd)


@pytest.fixture
def post(tmp_path):
    path = tmp_path / "diary.md"
    path.write_text(POST, encoding="utf-8")
    return path


def test_version():
    proc = run("--version")
    assert proc.returncode == 0
    assert cleanart.__version__ in proc.stdout
    assert proc.stderr == ""


def test_convert_help_shows_examples():
    proc = run("convert", "--help")
    assert proc.returncode == 0
    assert "Examples" in proc.stdout
    assert "cleanart convert" in proc.stdout
    assert "-t txt" in proc.stdout and "-o " in proc.stdout


def test_no_arguments_shows_help_as_a_usage_error():
    proc = run()
    assert proc.returncode == 2
    assert "Commands:" in proc.stderr and "convert" in proc.stderr
    assert proc.stdout == ""


def test_markdown_on_stdout_with_yaml_header(post):
    proc = run("convert", str(post))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("---\n")
    head, sep, body = out[4:].partition("\n---\n")
    assert sep
    assert "title: Garden Diary" in head
    assert "2021-03-22T03:22:20" in head
    assert "The tulips came up this week" in body
    assert "[bench](https://example.com/bench)" in body
    assert proc.stderr == ""


def test_txt_output_plain(post):
    proc = run("convert", str(post), "-t", "txt")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert len(out) > 0
    assert "---" not in out
    assert "title:" not in out
    assert "https://" not in out
    assert out == (
        "The tulips came up this week, earlier than last year.\n\nI moved the bench under the apple tree.\n"
    )


@pytest.mark.parametrize("alias, expect", [("markdown", "---\n"), ("text", "The tulips")])
def test_format_aliases(post, alias, expect):
    proc = run("convert", str(post), "-t", alias)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(expect)


def test_stdin_to_json_one_line(post):
    proc = run("convert", "-", "-t", "json", stdin=POST)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["title"] == "Garden Diary"
    assert record["source"] == "-"
    assert record["tags"] == ["garden", "spring"]
    for key in (
        "source",
        "title",
        "date",
        "updated",
        "author",
        "categories",
        "tags",
        "image",
        "url",
        "credits",
        "sources",
        "original_title",
        "page_type",
        "encoding",
        "front_matter",
        "text",
        "markdown",
        "stats",
    ):
        assert key in record, key
    for key in ("characters", "cjk_characters", "words", "paragraphs", "images", "links", "reading_minutes"):
        assert key in record["stats"], key
    assert record["stats"]["paragraphs"] == 2
    assert record["stats"]["links"] == 1


def test_stdin_chinese_bytes_json():
    raw = "---\ntitle: 春天\n---\n<p>花开了。</p>\n".encode("gbk")
    proc = cli("convert", "-", "-t", "json", stdin=raw, binary=True)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout.decode("utf-8"))
    assert record["title"] == "春天"
    assert record["text"] == "花开了。"


def test_json_pretty(post):
    proc = run("convert", str(post), "-t", "json", "--pretty")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) > 5
    assert proc.stdout.startswith("{\n  ")
    record = json.loads(proc.stdout)
    assert record["title"] == "Garden Diary"


def test_json_keeps_non_ascii_readable():
    proc = run("convert", "-", "-t", "json", stdin="<p>中文内容</p>")
    assert "中文内容" in proc.stdout


def test_output_file_written_and_stdout_empty(post, tmp_path):
    out = tmp_path / "out" / "diary.clean.md"
    out.parent.mkdir()
    proc = run("convert", str(post), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    written = out.read_text(encoding="utf-8")
    assert written.startswith("---\n")
    assert "The tulips came up" in written
    assert written == run("convert", str(post)).stdout


def test_output_file_in_missing_folder_is_created(post, tmp_path):
    out = tmp_path / "new" / "dir" / "diary.txt"
    proc = run("convert", str(post), "-t", "txt", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert out.read_text(encoding="utf-8").startswith("The tulips")


def test_missing_input_file(tmp_path):
    missing = tmp_path / "nope.md"
    proc = run("convert", str(missing))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"cleanart: {missing}: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_missing_file_among_good_ones_others_still_converted(post, tmp_path):
    missing = tmp_path / "nope.md"
    outdir = tmp_path / "out"
    proc = run("convert", str(post), str(missing), "-o", str(outdir), "-t", "txt", "-j", "1")
    assert proc.returncode == 1
    assert f"cleanart: {missing}: " in proc.stderr
    produced = list(outdir.rglob("*"))
    files = [p for p in produced if p.is_file()]
    assert len(files) == 1
    assert "The tulips" in files[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["pdf", "docx", ""])
def test_unknown_format_is_usage_error(post, fmt):
    proc = run("convert", str(post), "-t", fmt)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr


def test_unknown_option_is_usage_error(post):
    proc = run("convert", str(post), "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_bad_header_strict_exit_1(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(BROKEN, encoding="utf-8")
    proc = run("convert", str(bad), "--strict")
    assert proc.returncode == 1
    assert str(bad) in proc.stderr
    assert "line 2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_warnings_do_not_change_exit_code_without_strict(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(BROKEN, encoding="utf-8")
    proc = run("convert", str(bad))
    assert proc.returncode == 0
    assert f"cleanart: {bad}: warning: " in proc.stderr
    assert "Body survives." in proc.stdout


def test_quiet_hides_warnings_but_not_errors(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(BROKEN, encoding="utf-8")
    proc = run("convert", str(bad), "-q")
    assert proc.returncode == 0
    assert "warning" not in proc.stderr
    missing = tmp_path / "nope.md"
    proc = run("convert", str(missing), "-q")
    assert proc.returncode == 1
    assert str(missing) in proc.stderr


def test_input_files_never_modified(tmp_path):
    inputs = {
        "a.md": POST.encode("utf-8"),
        "b.html": "<p>\u3000\u3000缩进\u200b文字</p>\r\n".encode("gbk", errors="ignore"),
        "c.md": b"\xef\xbb\xbf" + BROKEN.encode("utf-8"),
    }
    paths = []
    for name, data in inputs.items():
        path = tmp_path / name
        path.write_bytes(data)
        os.utime(path, (1_000_000_000, 1_000_000_000))
        paths.append(path)
    for fmt in ("md", "txt", "json", "html"):
        run("convert", *map(str, paths), "-t", fmt, "-o", str(tmp_path / f"out-{fmt}"))
        run("convert", *map(str, paths), "-t", fmt)
    for path in paths:
        assert path.read_bytes() == inputs[path.name]
        assert path.stat().st_mtime == 1_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["a.md", "b.html", "c.md"]


def test_folder_mirrored_to_output_folder(tmp_path):
    src = tmp_path / "posts"
    (src / "2021").mkdir(parents=True)
    (src / "one.md").write_text(POST, encoding="utf-8")
    (src / "2021" / "two.html").write_text("<p>Second post.</p>", encoding="utf-8")
    (src / "notes.bin").write_bytes(b"\x00\x01")
    out = tmp_path / "clean"
    proc = run("convert", str(src), "-o", str(out), "-t", "txt", "-j", "2")
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 2
    assert files[0].startswith("2021/two")
    assert files[1].startswith("one")
    assert (out / files[0]).read_text(encoding="utf-8").strip() == "Second post."


def test_python_dash_m_and_console_script_agree(post):
    exe = os.path.join(os.path.dirname(sys.executable), "cleanart")
    if not os.path.exists(exe):
        pytest.skip("console script not installed next to this python")
    a = process(exe, "convert", post, module=False)
    b = process("convert", post)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout


def test_no_front_matter_md_and_front_matter_txt(post):
    proc = run("convert", str(post), "--no-front-matter")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("The tulips")
    proc = run("convert", str(post), "-t", "txt", "--front-matter")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("---\n")
    assert "title: Garden Diary" in proc.stdout
    assert "I moved the bench under" in proc.stdout


def test_no_links_and_no_images_flags(tmp_path):
    path = tmp_path / "p.html"
    path.write_text(
        '<p>See <a href="https://example.com/g">the guide</a>.</p>'
        '<p><img src="https://example.com/f.png" alt="fig"></p>',
        encoding="utf-8",
    )
    proc = run("convert", str(path), "--no-links", "--no-images")
    assert proc.returncode == 0, proc.stderr
    assert "See the guide." in proc.stdout
    assert "https://example.com" not in proc.stdout
    assert "![" not in proc.stdout


def test_unexpected_error_is_one_line_for_that_file_and_the_batch_goes_on(tmp_path, monkeypatch):
    """A bug in cleanart fails the one input with a one-line message, never a traceback."""
    from cleanart import api, batch

    good = tmp_path / "good.md"
    good.write_text("---\ntitle: Good\n---\n<p>Fine.</p>\n", encoding="utf-8")
    real_clean = api.clean

    def broken_clean(raw, source="-", options=None, **kw):
        if source.endswith("bad.md"):
            raise TypeError("simulated bug")
        return real_clean(raw, source, options, **kw)

    (tmp_path / "bad.md").write_text("<p>x</p>", encoding="utf-8")
    monkeypatch.setattr(api, "clean", broken_clean)
    job = batch.Job("txt", api.Options())
    results = list(batch.run(batch.walk([str(tmp_path)]), job, jobs=1))
    by_name = {Path(r.source).name: r for r in results}
    assert not by_name["bad.md"].ok
    assert by_name["bad.md"].messages == [
        "internal error: TypeError: simulated bug (run with --debug for the traceback)"
    ]
    assert by_name["good.md"].ok and by_name["good.md"].output.strip() == "Fine."
    debug = batch.convert_one(
        batch.Task(str(tmp_path / "bad.md"), "bad.md"), batch.Job("txt", api.Options(), debug=True)
    )
    assert "Traceback" in debug.messages[0] and "simulated bug" in debug.messages[0]


# --- a fake environment: terminals without a terminal ------------------------------------


def fake_environment(**facts):
    import io

    from cleanart.environment import Environment

    return Environment(stdin=io.BytesIO(), stdout=io.StringIO(), stderr=io.StringIO(), **facts)


def test_no_input_on_a_terminal_is_a_usage_error():
    env = fake_environment(stdin_isatty=True)
    assert cli("convert", env=env).returncode == 2
    assert env.stderr.getvalue().startswith("cleanart: no input given")


def test_a_batch_on_a_terminal_shows_progress_and_ends_with_the_summary(tmp_path):
    for n in range(3):
        (tmp_path / "in" / f"p{n}.md").parent.mkdir(exist_ok=True)
        (tmp_path / "in" / f"p{n}.md").write_text(POST, encoding="utf-8")
    env = fake_environment(stderr_isatty=True, cpus=1)
    proc = cli("convert", tmp_path / "in", "-o", tmp_path / "out", "-t", "txt", env=env)
    assert proc.returncode == 0
    assert env.stderr.getvalue().splitlines()[-1].startswith("cleanart: 3 converted, 0 skipped, 0 failed")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p0.txt", "p1.txt", "p2.txt"]


def test_rules_on_a_terminal_is_a_table_and_in_a_pipe_tab_separated():
    table, pipe = fake_environment(stdout_isatty=True), fake_environment()
    assert cli("rules", env=table).returncode == cli("rules", env=pipe).returncode == 0
    assert "┃" in table.stdout.getvalue() or "│" in table.stdout.getvalue()
    assert "\t" in pipe.stdout.getvalue() and "│" not in pipe.stdout.getvalue()
