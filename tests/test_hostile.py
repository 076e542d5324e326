"""Hostile and unlucky input: what a user sees when an input or the system misbehaves.

Every input is built in a temporary folder; every command runs with a timeout, so a
hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli, process

from cleanart import clean

TIMEOUT = 60  # generous: the suite may share two loaded cores


def cleanart(*args, stdin=None, cwd=None, **streams):
    """Run the command; bytes in and out, so undecodable output is visible.

    In-process, unless a stream is redirected (``stdout=open("/dev/full")``): that needs
    a real process's file descriptors."""
    if streams:
        return process(*args, stdin=stdin, cwd=cwd, binary=True, **streams)
    return cli(*args, stdin=stdin, cwd=cwd, binary=True)


def err(proc) -> str:
    return proc.stderr.decode("utf-8")


def one_line_error(proc, *needles) -> str:
    """The run failed with exactly one ``cleanart:`` line naming all ``needles``, no traceback."""
    stderr = err(proc)
    assert "Traceback" not in stderr and "Fatal Python error" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("cleanart: ")]
    hits = [line for line in lines if all(n in line for n in needles)]
    assert len(hits) == 1, stderr
    return hits[0]


def post(body: str, title: str = "Hostile") -> str:
    return f"---\ntitle: {title}\n---\n{body}\n"


# --- decoding -------------------------------------------------------------------------


def test_stray_byte_in_utf8_is_utf8_with_a_warning(tmp_path):
    path = tmp_path / "cafe.md"
    path.write_bytes(post("<p>Café news today</p>", "Café news").encode() + b"<p>tail\xff</p>\n")
    proc = cleanart("convert", path)
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")
    assert "title: Café news" in out and "Café news today" in out
    assert "√" not in out and "Ã" not in out
    one_line_error(proc, str(path), "warning:", "1 undecodable", "utf-8")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_unicode_without_bom_is_recognised(tmp_path, codec):
    path = tmp_path / "wide.md"
    path.write_bytes(post("<p>Hello wide world.</p>", "Wide").encode(codec))
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0, err(proc)
    record = json.loads(proc.stdout)
    assert record["title"] == "Wide"
    assert record["text"] == "Hello wide world."
    assert record["encoding"] == codec


GBK_POST = post("<p>" + "这是一个关于中文编码的测试段落，包含许多常见的汉字。" * 40 + "</p>", "测试")


@pytest.mark.parametrize("offset", [300, 301])  # between two characters, inside one
def test_gbk_with_one_bad_byte_is_gb18030_with_a_warning(tmp_path, offset):
    data = GBK_POST.encode("gbk")
    path = tmp_path / "gbk.md"
    path.write_bytes(data[:offset] + b"\xff" + data[offset:])
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0
    record = json.loads(proc.stdout)
    assert record["encoding"] == "gb18030"
    assert record["title"] == "测试"
    assert record["text"].count("\ufffd") <= 3
    assert record["text"].startswith("这是一个关于中文编码的测试段落")
    one_line_error(proc, str(path), "warning:", "gb18030")


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"\0" * 200_000, "NUL bytes"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10" + bytes(range(256)) * 4, "PNG"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF\0" + bytes(range(256)), "JPEG"),
        (b"PK\x03\x04\x14\0\0\0\x08\0" + bytes(range(256)), "ZIP"),
    ],
)
def test_binary_input_is_refused_in_one_line(tmp_path, data, kind):
    path = tmp_path / "picture.md"
    path.write_bytes(data)
    (tmp_path / "ok.md").write_text(post("<p>Still converted.</p>"), encoding="utf-8")
    out = tmp_path / "out"
    proc = cleanart("convert", tmp_path, "-o", out)
    assert proc.returncode == 1
    line = one_line_error(proc, str(path), "binary input", kind)
    assert "lxml" not in line and "\ufffd" not in line
    assert (out / "ok.md").read_text(encoding="utf-8").endswith("Still converted.\n")
    assert not (out / "picture.md").exists()


def test_a_stray_nul_in_text_is_still_text(tmp_path):
    path = tmp_path / "nul.md"
    path.write_bytes(post("<p>Before\0after, and a long enough paragraph to read.</p>").encode())
    proc = cleanart("convert", path)
    assert proc.returncode == 0, err(proc)
    assert b"Before" in proc.stdout and b"after" in proc.stdout


@pytest.mark.parametrize("command", ["convert", "explain"])
@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib"])
def test_a_codec_that_is_not_a_text_encoding_is_a_usage_error(tmp_path, codec, command):
    path = tmp_path / "a.md"
    path.write_text(post("<p>x</p>"), encoding="utf-8")
    proc = cleanart(command, path, "--encoding", codec)
    assert proc.returncode == 2
    one_line_error(proc, f"--encoding {codec}", "not a text encoding")
    assert proc.stdout == b""


# --- headers --------------------------------------------------------------------------

BILLION_LAUGHS = "\n".join(
    ["---", "title: laughs", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{k}: &{k} [{','.join([f'*{p}'] * 9)}]" for p, k in zip("abcdefgh", "bcdefghi")]
    + ["---", "<p>The body survives.</p>", ""]
)


@pytest.mark.parametrize("command", ["convert", "explain"])
def test_billion_laughs_header_is_refused_quickly_and_in_little_memory(tmp_path, command):
    path = tmp_path / "laughs.md"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    # ulimit -v: 1 GB of address space (python and lxml need some) instead of growing past 1.9 GB.
    script = f'ulimit -v 1000000; exec "{sys.executable}" -m cleanart {command} "{path}"'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, timeout=TIMEOUT)
    assert proc.returncode == 0, err(proc)
    one_line_error(proc, str(path), "warning:", "line 2", "YAML aliases refused")
    if command == "convert":
        assert proc.stdout.decode().endswith("The body survives.\n")


def test_billion_laughs_is_a_failure_with_strict(tmp_path):
    path = tmp_path / "laughs.md"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    proc = cleanart("convert", path, "--strict")
    assert proc.returncode == 1
    one_line_error(proc, str(path), "line 2", "YAML aliases refused")


def test_an_alias_inside_itself_is_refused(tmp_path):
    path = tmp_path / "loop.md"
    path.write_text("---\ntitle: Loop\nr: &r [*r]\n---\n<p>Body.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path)
    assert proc.returncode == 0
    one_line_error(proc, str(path), "warning:", "refers to the value that contains it")
    assert proc.stdout.decode().startswith("---\ntitle: Loop\n")


@pytest.mark.parametrize(
    "value, line",
    [("0000-00-00", 3), ("2021-02-30", 3), ("2021-13-45", 3), (".nan", 3), ("-.inf", 3)],
)
def test_impossible_dates_are_kept_with_a_warning(tmp_path, value, line):
    path = tmp_path / "date.md"
    path.write_text(f"---\ntitle: Dated\ndate: {value}\n---\n<p>Body text.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0, err(proc)
    record = json.loads(proc.stdout)
    assert record["date"] == value
    assert record["text"] == "Body text."
    one_line_error(proc, str(path), "warning:", f"line {line}:", repr(value), "kept as given")


@pytest.mark.parametrize(
    "value, title",
    [
        ("[Hello, World]", "Hello, World"),
        ("!!binary SGVsbG8=", "Hello"),
        ("!!set {b, a}", "a, b"),
        ("{en: Hello, fr: Bonjour}", "Hello, Bonjour"),
    ],
)
def test_a_title_that_is_not_a_string_reads_as_text(tmp_path, value, title):
    path = tmp_path / "title.md"
    path.write_text(f"---\ntitle: {value}\n---\n<p>Body.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0, err(proc)
    record = json.loads(proc.stdout)
    assert record["title"] == title
    assert "b'" not in proc.stdout.decode() and "['" not in proc.stdout.decode()


def test_binary_and_set_values_in_the_front_matter_are_text_in_a_stable_order(tmp_path):
    path = tmp_path / "values.md"
    path.write_text(
        "---\ntitle: T\nblob: !!binary SGVsbG8=\nraw: !!binary //79\nkinds: !!set {zeta, alpha, mid}\n---\n<p>B.</p>\n",
        encoding="utf-8",
    )
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0, err(proc)
    front = json.loads(proc.stdout)["front_matter"]
    assert front["blob"] == "Hello"
    assert front["raw"] == "//79"  # not text: kept as base64
    assert front["kinds"] == ["alpha", "mid", "zeta"]


def test_duplicate_keys_are_a_warning_with_both_lines(tmp_path):
    path = tmp_path / "dup.md"
    path.write_text("---\ntitle: First\ndate: 2021-01-02\ntitle: Second\n---\n<p>B.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "Second"
    one_line_error(proc, str(path), "warning:", "line 4:", "duplicate key 'title'", "line 2")


def test_a_null_key_is_named_null(tmp_path):
    path = tmp_path / "null.md"
    path.write_text("---\ntitle: T\nnull: x\ntrue: y\n---\n<p>B.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0, err(proc)
    front = json.loads(proc.stdout)["front_matter"]
    assert front == {"title": "T", "null": "x", "true": "y"}


def test_an_unhashable_key_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "key.md"
    path.write_text("---\ntitle: Keyed\n? [a, b]\n: v\n---\n<p>Body.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path)
    assert proc.returncode == 0
    line = one_line_error(proc, str(path), "warning:", "line 3", "a key is a list or a mapping")
    assert "unsafe" not in line and "tag" not in line
    assert proc.stdout.decode().startswith("---\ntitle: Keyed\n")


# --- folders, names and outputs -------------------------------------------------------

OK = post("<p>A plain paragraph that survives.</p>")


def test_a_fifo_in_an_input_folder_is_skipped_and_later_files_are_written(tmp_path):
    top = tmp_path / "in"
    top.mkdir()
    (top / "a.md").write_text(OK, encoding="utf-8")
    os.mkfifo(top / "b.md")  # nobody ever writes to it: reading would block forever
    (top / "c.md").write_text(OK, encoding="utf-8")
    out = tmp_path / "out"
    proc = cleanart("convert", top, "-o", out)
    assert proc.returncode == 0, err(proc)
    one_line_error(proc, str(top / "b.md"), "warning:", "a FIFO, not a regular file; skipped")
    assert sorted(os.listdir(out)) == ["a.md", "c.md"]
    assert err(proc).splitlines()[-1].startswith("cleanart: 2 converted, 1 skipped, 0 failed")


@pytest.mark.parametrize("jobs", ["0", "100000", "99999999999999999999"])
def test_absurd_job_counts_are_a_usage_error(tmp_path, jobs):
    (tmp_path / "a.md").write_text(OK, encoding="utf-8")
    proc = cleanart("convert", tmp_path, "-o", tmp_path / "out", "-j", jobs)
    assert proc.returncode == 2
    one_line_error(proc, "--jobs must be between 1 and")
    assert not (tmp_path / "out").exists()


LONG_POST = post("".join(f"<p>Paragraph {i} of a post long enough to pass 4 KB.</p>" for i in range(300)))


@pytest.mark.parametrize(
    "args",
    [["convert", "{post}"], ["convert", "{post}", "-t", "json"], ["rules"], ["explain", "{post}"]],
)
def test_stdout_on_a_full_disk_is_one_line_and_exit_1(tmp_path, args):
    path = tmp_path / "post.md"
    path.write_text(LONG_POST, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        proc = cleanart(*(a.format(post=path) for a in args), stdout=full)
    assert proc.returncode == 1
    one_line_error(proc, "cannot write to standard output: No space left on device")
    assert "Exception ignored" not in err(proc)


@pytest.mark.parametrize("args", [["convert", "{post}"], ["rules"]])
def test_stdout_past_a_file_size_limit_is_one_line_and_exit_1(tmp_path, args):
    path = tmp_path / "post.md"
    path.write_text(LONG_POST, encoding="utf-8")
    out = tmp_path / "o.md"
    command = " ".join(f'"{a}"' for a in [sys.executable, "-m", "cleanart", *args]).format(post=path)
    proc = subprocess.run(
        ["bash", "-c", f'ulimit -f 4; {command} > "{out}"'], capture_output=True, timeout=TIMEOUT
    )
    assert out.stat().st_size == 4096  # what the limit let through
    assert proc.returncode == 1
    one_line_error(proc, "cannot write to standard output: File too large")


def test_a_backslash_in_a_name_never_merges_two_outputs(tmp_path):
    top = tmp_path / "in"
    (top / "a").mkdir(parents=True)
    (top / "a\\x.md").write_text(post("<p>From the backslash name.</p>"), encoding="utf-8")
    (top / "a" / "x.md").write_text(post("<p>From the folder.</p>"), encoding="utf-8")
    (top / "b.md").write_text(OK, encoding="utf-8")
    out = tmp_path / "out"
    proc = cleanart("convert", top, "-o", out)
    assert proc.returncode == 0, err(proc)
    assert (out / "a\\x.md").read_text(encoding="utf-8").endswith("From the backslash name.\n")
    assert (out / "a" / "x.md").read_text(encoding="utf-8").endswith("From the folder.\n")


@pytest.mark.parametrize("length", [240, 245, 251])
def test_a_long_input_name_converts_with_o(tmp_path, length):
    name = "n" * (length - 3) + ".md"
    top = tmp_path / "in"
    top.mkdir()
    (top / name).write_text(OK, encoding="utf-8")
    out = tmp_path / "out"
    proc = cleanart("convert", top, "-o", out)
    assert proc.returncode == 0, err(proc)
    assert os.listdir(out) == [name]


def test_a_long_multibyte_name_converts_with_o(tmp_path):
    name = "文" * 83 + ".md"  # 252 bytes
    top = tmp_path / "in"
    top.mkdir()
    (top / name).write_text(OK, encoding="utf-8")
    proc = cleanart("convert", top, "-o", tmp_path / "out")
    assert proc.returncode == 0, err(proc)
    assert os.listdir(tmp_path / "out") == [name]


def test_o_equal_to_the_input_file_never_overwrites_it(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(OK, encoding="utf-8")
    proc = cleanart("convert", path, "-o", path)
    assert proc.returncode == 1
    one_line_error(proc, str(path), "would replace the input itself")
    assert path.read_text(encoding="utf-8") == OK


def test_a_files_from_list_whose_outputs_are_the_inputs_leaves_them_alone(tmp_path):
    (tmp_path / "post.md").write_text(OK, encoding="utf-8")
    (tmp_path / "list").write_text("post.md\n", encoding="utf-8")
    proc = cleanart("convert", "--files-from", "list", "-o", ".", cwd=tmp_path)
    assert proc.returncode == 1
    one_line_error(proc, "post.md", "would replace the input itself")
    assert (tmp_path / "post.md").read_text(encoding="utf-8") == OK


def test_o_equal_to_the_input_folder_is_a_usage_error(tmp_path):
    (tmp_path / "a.md").write_text(OK, encoding="utf-8")
    proc = cleanart("convert", tmp_path, "-o", tmp_path)
    assert proc.returncode == 2
    one_line_error(proc, "is the input folder")
    assert os.listdir(tmp_path) == ["a.md"]


def test_a_symlinked_folder_inside_o_receives_nothing(tmp_path):
    top = tmp_path / "in"
    (top / "sub").mkdir(parents=True)
    (top / "sub" / "x.md").write_text(OK, encoding="utf-8")
    (top / "y.md").write_text(OK, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(elsewhere)
    proc = cleanart("convert", top, "-o", out)
    assert proc.returncode == 1
    one_line_error(proc, str(top / "sub" / "x.md"), "symbolic link leading outside the output folder")
    assert os.listdir(elsewhere) == []
    assert (out / "y.md").exists()


def test_a_newline_in_a_name_stays_on_one_line(tmp_path):
    top = tmp_path / "in"
    top.mkdir()
    (top / "bad\nname.md").write_bytes(b"\0" * 64)
    proc = cleanart("convert", top, "-o", tmp_path / "out")
    assert proc.returncode == 1
    line = one_line_error(proc, "bad\\nname.md", "binary input")
    assert line.startswith(f"cleanart: {top}/bad\\nname.md: ")


# --- signals --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_posts(tmp_path_factory):
    top = tmp_path_factory.mktemp("signals") / "in"
    top.mkdir()
    paragraphs = "".join(f"<p>Paragraph {j} of a post, with a few words in it.</p>" for j in range(60))
    for i in range(1500):
        (top / f"p{i:04d}.md").write_text(post(paragraphs, f"Post {i}"), encoding="utf-8")
    return top


def interrupt(tmp_path, top, jobs, signals, group):
    """Start a conversion, send ``signals`` once 40 outputs exist; (returncode, stderr, out)."""
    import signal as sig
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleanart", "convert", str(top), "-o", str(out), "-t", "txt", "-j", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a shell job has
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and len(os.listdir(out)) >= 40:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        for signum in signals:
            if group:
                os.killpg(proc.pid, getattr(sig, signum))
            else:
                proc.send_signal(getattr(sig, signum))
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, sig.SIGKILL)
            proc.wait()
    # Workers must be gone when the run has exited: none may write on afterwards.
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
    return proc.returncode, stderr.decode("utf-8"), out


def assert_summary_matches_disk(stderr: str, out: Path) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    last = stderr.rstrip().splitlines()[-1]
    assert last.startswith("cleanart: interrupted: "), stderr
    converted = int(last.split("interrupted: ")[1].split(" converted")[0])
    names = sorted(os.listdir(out))
    assert not [n for n in names if n.startswith(".")], names  # no .cleanart-tmp left
    assert converted == len(names)
    assert 0 < len(names) < 1500
    for name in names:
        text = (out / name).read_text(encoding="utf-8")
        assert text.endswith("Paragraph 59 of a post, with a few words in it.\n"), name


@pytest.mark.parametrize("jobs", ["2", "1"])
@pytest.mark.parametrize("group", [False, True], ids=["process", "group"])
def test_sigterm_is_an_interrupt_with_exit_143(tmp_path, many_posts, jobs, group):
    code, stderr, out = interrupt(tmp_path, many_posts, jobs, ["SIGTERM"], group)
    assert code == 143, stderr
    assert_summary_matches_disk(stderr, out)


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_sigint_twice_to_the_group_never_hangs_or_prints_a_traceback(tmp_path, many_posts, jobs):
    code, stderr, out = interrupt(tmp_path, many_posts, jobs, ["SIGINT", "SIGINT"], True)
    assert code == 130, stderr
    assert_summary_matches_disk(stderr, out)


# --- rules ------------------------------------------------------------------------------


def rule_file(tmp_path, body: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "rules:\n  - id: fine\n    description: fine\n    action: drop\n    pattern: Advert\n" + body
    )
    return path


CATASTROPHIC = {
    "drop": "    action: drop\n    pattern: '(a+)+$'\n",
    "cut": "    action: cut\n    pattern: '(a+)+$'\n",
    "trim": "    action: trim\n    pattern: '(a+)+'\n",
    "scope": "    action: drop\n    pattern: x\n    scope:\n      author: '(\\w+\\s?)*$'\n",
    "alternatives": "    action: drop\n    pattern: '(a|a)*$'\n",  # the choice, not a repeat, explodes
}


@pytest.mark.parametrize("kind", sorted(CATASTROPHIC))
def test_catastrophic_user_patterns_are_refused_with_file_and_line(tmp_path, kind):
    rules = rule_file(tmp_path, "  - id: evil\n    description: evil\n" + CATASTROPHIC[kind])
    check = cleanart("rules", "--check", rules)
    assert check.returncode == 1
    one_line_error(check, f"{rules}:6:", "rule evil", "exponential time")
    assert b"no mistakes" not in check.stdout
    article = tmp_path / "a.md"
    article.write_text(post("<p>" + "a" * 40 + "!</p>"), encoding="utf-8")
    proc = cleanart("convert", article, "--rules", rules)
    assert proc.returncode == 2
    one_line_error(proc, f"{rules}:6:", "exponential time")


@pytest.mark.parametrize("pattern", [r"(?:ab|ac)*", r"(?:\s|&nbsp;)*x", r"(?:,|，|、)+"])
def test_repeated_alternatives_that_cannot_match_the_same_text_are_accepted(pattern):
    from cleanart.rules import _ambiguous_repeat
    from cleanart.screen import sre_parse

    assert not _ambiguous_repeat(sre_parse.parse(pattern))


def test_a_nested_but_unambiguous_user_pattern_is_accepted_and_works(tmp_path):
    rules = rule_file(
        tmp_path,
        "  - id: tags\n    description: tag line\n    action: drop\n    pattern: 'Tags:(?:\\s+\\w+)*'\n",
    )
    check = cleanart("rules", "--check", rules)
    assert check.returncode == 0, err(check)
    article = tmp_path / "a.md"
    article.write_text(post("<p>Body.</p><p>Tags: one two three</p>"), encoding="utf-8")
    proc = cleanart("convert", article, "--rules", rules, "-t", "txt")
    assert proc.returncode == 0
    assert proc.stdout.decode() == "Body.\n"


def test_max_chars_true_is_refused(tmp_path):
    rules = rule_file(
        tmp_path, "  - id: flag\n    description: d\n    action: drop\n    pattern: x\n    max_chars: true\n"
    )
    proc = cleanart("rules", "--check", rules)
    assert proc.returncode == 1
    one_line_error(proc, f"{rules}:6:", "max_chars must be a positive integer")


def test_the_builtin_pagination_rule_is_quick_on_a_long_run_of_digits(tmp_path):
    article = tmp_path / "pages.md"
    article.write_text(post("<p>Body.</p><p>Pages: " + "1" * 30 + "!</p>"), encoding="utf-8")
    proc = cleanart("convert", article, "-t", "txt")  # it used to backtrack for hours
    assert proc.returncode == 0
    assert proc.stdout.decode() == "Body.\n\nPages: " + "1" * 30 + "!\n"


def test_keys_that_differ_only_in_case_are_a_warning_and_title_wins(tmp_path):
    path = tmp_path / "case.md"
    path.write_text("---\nTitle: Shouted\ntitle: Plain\n---\n<p>B.</p>\n", encoding="utf-8")
    proc = cleanart("convert", path, "-t", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "Plain"
    one_line_error(proc, str(path), "warning:", "'Title' and 'title' differ only in case")


# --- markup that used to stall or swallow the body ---------------------------------------


def deep(tag: str, depth: int) -> str:
    return post(f"<{tag}>" * depth + "Deep text." + f"</{tag}>" * depth)


@pytest.mark.parametrize("tag", ["div", "b", "span"])
def test_deep_nesting_converts_and_keeps_its_text(tag):
    """Far past lxml's and Python's recursion limits (a walk that recursed, or freed
    elements one by one, was quadratic: minutes at 100,000); both formats from one clean."""
    article = clean(deep(tag, 20_000))
    assert article.text == "Deep text."
    assert article.markdown.strip().strip("*") == "Deep text."


def test_100000_deep_nesting_converts_as_the_readme_says(tmp_path):
    path = tmp_path / "deep.md"
    path.write_text(deep("span", 100_000), encoding="utf-8")
    proc = cleanart("convert", path, "-t", "md", "--no-front-matter")
    assert proc.returncode == 0, err(proc)
    assert proc.stdout.decode("utf-8") == "Deep text.\n"  # every tag is tested deep above


def test_content_after_a_stray_closing_html_tag_is_kept(tmp_path):
    proc = cleanart(
        "convert", "-", "-t", "txt", stdin=post("<p>one</p></body></html><p>IMPORTANT</p>").encode()
    )
    assert proc.returncode == 0 and proc.stdout.decode("utf-8").split() == ["one", "IMPORTANT"]


@pytest.mark.parametrize(
    "body, what",
    [
        ("<p>one</p><!-- unclosed <p>two</p>", "unclosed <!-- comment"),
        ("<p>one</p><style>p{} <p>two</p>", "<style>"),
    ],
)
def test_markup_that_hides_the_rest_of_the_body_is_named(body, what):
    proc = cleanart("convert", "-", "-t", "txt", stdin=post(body).encode())
    assert proc.returncode == 0 and proc.stdout.decode("utf-8").strip() == "one"
    line = one_line_error(proc, "warning:", what)
    assert "hides the text after it" in line


@pytest.mark.parametrize(
    "html, expected",
    [
        ("<script>a</script>" * 50 + "<p>one</p><style>p{}", ["an unclosed <style> at body line 1"]),
        ("<!-- a --><p>one</p><!-- b", ["an unclosed <!-- comment at body line 1"]),
        ("<!-- a -->\n<p>one</p>\n<!-- b -->", []),
    ],
)
def test_unclosed_markup_is_found_where_it_opens(html, expected):
    from cleanart.cleaning.parse import unclosed

    assert [w.split(" hides")[0] for w in unclosed(html)] == expected


def test_the_quick_check_for_unclosed_markup_agrees_with_the_full_read():
    """parse_html first asks the page's landmark tags (found in one scan) whether every
    <script> and <style> closes; where they cannot say, the whole page is read.  Both must name the
    same markup, for every arrangement of these pieces up to three long."""
    import itertools

    from cleanart.cleaning.parse import lowered, unclosed

    pieces = [
        "<script>",
        "</script >",
        "<SCRIPT src=x>",
        "</STYLE>",
        "<style>",
        "<scripts>",
        "x\n",
        "<!--",
        "-->",
    ]
    pieces += [">", "<script", "</scriptx>", "<p>é</p>"]
    for combo in itertools.product(pieces, repeat=3):
        html = "".join(combo)
        assert unclosed(html, lowered(html.encode("utf-8"))) == unclosed(html), html


def test_early_ends_are_cut_wherever_they_stand():
    """Every </body> and </html> (any case, space before the ">") is cut before parsing,
    as a search for each would cut them; a tag name that goes on is not."""
    import itertools
    import re

    from cleanart.cleaning.parse import _without_early_ends, lowered

    pieces = ["</body>", "</BODY \n>", "</html>", "</Html", "</bodyx>", "<p>é</p>", ">", "<script>"]
    for combo in itertools.product(pieces, repeat=3):
        data = "".join(combo).encode("utf-8")
        expected = re.sub(rb"</(?:body|html)\s*>", b"", data, flags=re.I)
        assert _without_early_ends(data, lowered(data)) == expected, data


def test_the_bytes_handed_to_lxml_lose_every_character_it_refuses():
    """One table pass lowercases the page and finds the control characters lxml refuses:
    the bytes and their lowercased copy are those of the page without them."""
    import itertools

    from cleanart.cleaning.parse import NOT_XML, xml_safe_utf8

    pieces = ["<P>Ab</P>", "\x01", "\x1f", "\t\n\r", "\x7f", "é", "中", "\ufffe", "\x00", "Z"]
    for combo in itertools.product(pieces, repeat=3):
        html = "".join(combo)
        expected = NOT_XML.sub("", html).encode("utf-8")
        assert xml_safe_utf8(html) == (expected, expected.lower()), html
