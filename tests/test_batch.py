"""Batches from a shell: folders, lists of files, -o trees, -u, -j, failures and Ctrl-C.

Every test runs the command (in this process, see conftest.cli; a real process where
signals, worker teardown at exit or a runaway are the point) on small invented posts
written into tmp_path, and checks what a careful shell user would check: exit
status, what lands on stdout, which files exist afterwards (and which do not), and the
one-line messages on stderr.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROCESS_TIMEOUT, cli, process

from cleanart.api import clean

UNSAFE = '---\ntitle: !!python/object/apply:os.system ["true"]\n---\n<p>Never converted.</p>\n'
SUMMARY = re.compile(
    r"^cleanart: (interrupted: )?(\d+) converted, (\d+) skipped, (\d+) failed, (\d+) empty in [\d.]+ s$"
)


# --- helpers ---------------------------------------------------------------------------


def cleanart(*args, stdin=None, cwd=None):
    """Run ``cleanart convert ARGS`` in-process; stdout/stderr as text (stdin bytes or str)."""
    return cli("convert", *args, stdin=stdin, cwd=cwd)


def post(n: int, paragraphs: int = 1) -> str:
    body = "".join(f"<p>Body {n}, paragraph {k}.</p>\n" for k in range(paragraphs))
    return f"---\ntitle: Post {n}\n---\n{body}<p>The end of post {n}.</p>\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_posts(folder: Path, count: int, paragraphs: int = 1, width: int = 4) -> list[Path]:
    return [write(folder / f"p{i:0{width}d}.md", post(i, paragraphs)) for i in range(count)]


def files_under(top: Path) -> set[str]:
    """Every file (and symlink) below ``top``, as '/'-joined paths relative to it."""
    found = set()
    for root, dirs, files in os.walk(top):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.add(Path(os.path.relpath(os.path.join(root, name), top)).as_posix())
    return found


def snapshot(top: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime (ns) of every regular file below ``top``."""
    shot = {}
    for rel in files_under(top):
        path = top / rel
        if path.is_file() and not path.is_symlink():
            shot[rel] = (path.read_bytes(), path.stat().st_mtime_ns)
    return shot


def sorted_walk(top: Path, suffixes=(".md", ".markdown", ".html", ".htm", ".xhtml")) -> list[str]:
    """The walk order a user can reproduce: each folder's files by name, then its
    non-hidden subfolders by name, depth first."""
    order = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        order += [
            os.path.join(root, f) for f in sorted(files) if not f.startswith(".") and f.endswith(suffixes)
        ]
    return order


def json_lines(stdout: str) -> list[dict]:
    lines = stdout.splitlines()
    assert all(line.strip() for line in lines), "blank line in JSON Lines output"
    return [json.loads(line) for line in lines]


def summary(stderr: str) -> tuple[int, int, int, int]:
    """(converted, skipped, failed, empty) from the last stderr line, which must be the summary."""
    last = stderr.rstrip("\n").splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, f"last stderr line is not a summary: {last!r}"
    return tuple(int(g) for g in match.groups()[1:])


def expected(path: Path, fmt: str) -> str:
    """What a single conversion of ``path`` renders (the API the command is built on)."""
    return clean(path.read_bytes(), str(path)).render(fmt)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr


@pytest.fixture
def tree(tmp_path):
    """in/ with nested folders, every default extension, a .txt and a hidden folder."""
    top = tmp_path / "in"
    write(top / "a.md", post(1))
    write(top / "b.html", post(2))
    write(top / "notes.txt", "---\ntitle: Notes\n---\n<p>Plain notes, not a post.</p>\n")
    write(top / "2021" / "c.markdown", post(3))
    write(top / "2021" / "03" / "d.htm", post(4))
    write(top / "2021" / "03" / "e.xhtml", post(5))
    write(top / "zeta" / "f.md", post(6))
    write(top / ".git" / "hidden.md", post(7))
    write(top / "drafts" / ".cache" / "g.html", post(8))
    return top


MIRRORED = ["a", "b", "2021/c", "2021/03/d", "2021/03/e", "zeta/f"]


# --- mirrored trees ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt,ext", [("txt", ".txt"), ("json", ".json"), ("md", ".md"), ("html", ".html")])
def test_tree_is_mirrored_with_the_format_extension(tmp_path, tree, fmt, ext):
    before = snapshot(tmp_path)
    proc = cleanart(tree, "-o", tmp_path / "out", "-t", fmt)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert files_under(tmp_path / "out") == {name + ext for name in MIRRORED}
    # nothing else written anywhere: inputs untouched, no stray files beside them
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("out/")} == before
    assert summary(proc.stderr) == (6, 0, 0, 0)
    no_traceback(proc.stderr)
    for name in MIRRORED:
        source = next(tree.glob(name + ".*"))
        written = (tmp_path / "out" / (name + ext)).read_text(encoding="utf-8")
        if fmt == "json":
            data = json.loads(written)
            assert data["title"] == f"Post {'abcdef'.index(name[-1]) + 1}"
            assert data["text"].endswith(f"The end of post {'abcdef'.index(name[-1]) + 1}.")
        else:
            assert written == expected(source, fmt)


def test_trailing_slash_and_relative_paths_mirror_the_same(tmp_path, tree):
    proc = cleanart("in/", "-o", "out", "-t", "txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {n + ".txt" for n in MIRRORED}


def test_two_folders_each_mirrored_relative_to_itself(tmp_path):
    write(tmp_path / "one" / "x" / "a.md", post(1))
    write(tmp_path / "two" / "y" / "b.md", post(2))
    proc = cleanart(tmp_path / "one", tmp_path / "two", "-o", tmp_path / "out", "-t", "txt")
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {"x/a.txt", "y/b.txt"}


def test_glob_changes_the_selection(tmp_path, tree):
    proc = cleanart(tree, "-o", tmp_path / "out", "-t", "txt", "--glob", "*.txt")
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {"notes.txt"}
    assert "Plain notes, not a post." in (tmp_path / "out" / "notes.txt").read_text()
    assert (tree / "notes.txt").read_text().startswith("---\ntitle: Notes")  # input untouched

    proc = cleanart(tree, "-t", "json", "--glob", "*.txt", "--glob", "*.htm")
    assert proc.returncode == 0, proc.stderr
    sources = [d["source"] for d in json_lines(proc.stdout)]
    assert sources == [str(tree / "notes.txt"), str(tree / "2021" / "03" / "d.htm")]


# --- stdout -----------------------------------------------------------------------------


def test_json_lines_on_stdout_in_walk_order(tmp_path, tree):
    proc = cleanart(tree, "-t", "json")
    assert proc.returncode == 0, proc.stderr
    records = json_lines(proc.stdout)
    order = sorted_walk(tree)
    assert len(order) == 6
    assert [r["source"] for r in records] == order
    for record in records:
        number = int(record["title"].split()[-1])
        assert record["text"].endswith(f"The end of post {number}.")
    assert summary(proc.stderr)[0] == 6


def test_json_lines_pretty_is_not_mixed_into_lines_when_many(tmp_path):
    """Many inputs to stdout are JSON Lines: every line parses on its own."""
    write_posts(tmp_path / "in", 5)
    proc = cleanart(tmp_path / "in", "-t", "json")
    assert proc.returncode == 0, proc.stderr
    assert len(json_lines(proc.stdout)) == 5


@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_text_outputs_separated_by_one_blank_line_in_order(tmp_path, fmt):
    paths = write_posts(tmp_path / "in", 4)
    proc = cleanart(tmp_path / "in", "-t", fmt)
    assert proc.returncode == 0, proc.stderr
    pieces = [expected(p, fmt) for p in paths]
    assert all(p.endswith("\n") and not p.endswith("\n\n") for p in pieces)
    assert proc.stdout == "\n".join(pieces)


# --- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_bad_file_among_good_ones(tmp_path, jobs):
    top = tmp_path / "in"
    write_posts(top, 6)
    bad = write(top / "p0003x.md", UNSAFE)
    proc = cleanart(top, "-o", tmp_path / "out", "-t", "txt", "-j", jobs)
    assert proc.returncode == 1
    assert files_under(tmp_path / "out") == {f"p{i:04d}.txt" for i in range(6)}
    lines = proc.stderr.splitlines()
    naming = [line for line in lines if str(bad) in line]
    assert len(naming) == 1, proc.stderr
    assert naming[0].startswith(f"cleanart: {bad}: ")
    no_traceback(proc.stderr)
    assert summary(proc.stderr) == (6, 0, 1, 0)
    assert not (tmp_path / "out" / "p0003x.txt").exists()


def test_bad_file_on_stdout_batch_keeps_the_others(tmp_path):
    top = tmp_path / "in"
    write_posts(top, 3)
    write(top / "p0001x.md", UNSAFE)
    proc = cleanart(top, "-t", "json")
    assert proc.returncode == 1
    assert [d["title"] for d in json_lines(proc.stdout)] == ["Post 0", "Post 1", "Post 2"]
    assert proc.stderr.count("p0001x.md") == 1
    no_traceback(proc.stderr)


def test_directory_named_like_a_file_in_a_list_fails_cleanly(tmp_path):
    write_posts(tmp_path / "in", 2)
    (tmp_path / "in" / "folder.md").mkdir()
    names = "in/p0000.md\nin/folder.md\nin/p0001.md\n"
    proc = cleanart("--files-from", "-", "-o", "out", "-t", "txt", stdin=names, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    no_traceback(proc.stderr)
    assert proc.stderr.count("folder.md") == 1
    assert proc.stderr.startswith("cleanart: in/folder.md: ")
    assert files_under(tmp_path / "out") == {"in/p0000.txt", "in/p0001.txt"}
    assert not (tmp_path / "out" / "in" / "folder.txt").exists()


def test_missing_file_named_once_exit_1(tmp_path):
    good = write(tmp_path / "good.md", post(1))
    missing = tmp_path / "missing.md"
    proc = cleanart(good, missing, "-t", "txt")
    assert proc.returncode == 1
    assert "The end of post 1." in proc.stdout
    assert proc.stderr.count(str(missing)) == 1
    assert proc.stderr.startswith(f"cleanart: {missing}: ")
    no_traceback(proc.stderr)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fail_fast_stops_early(tmp_path, jobs):
    top = tmp_path / "in"
    write(top / "a-bad.md", UNSAFE)  # first in walk order
    write_posts(top, 400)
    proc = cleanart(top, "-o", tmp_path / "out", "-t", "txt", "--fail-fast", "-j", jobs)
    assert proc.returncode == 1
    assert proc.stderr.count("a-bad.md") == 1
    no_traceback(proc.stderr)
    written = files_under(tmp_path / "out") if (tmp_path / "out").exists() else set()
    assert len(written) < 400
    assert not any("cleanart-tmp" in name for name in written)
    converted, _skipped, failed, _ = summary(proc.stderr)
    assert failed == 1 and converted < 400


def test_fail_fast_small_batch_with_workers_exits_quietly(tmp_path):
    """A failure in the first chunk with -j 2: the pool is torn down just after it
    started; the run must still end with one error line and the summary, nothing else.
    A real process: the teardown at interpreter exit is the point (a stray "Exception
    ignored ... Bad file descriptor" traceback from concurrent.futures showed there)."""
    top = tmp_path / "in"
    write(top / "a.md", post(1))
    write(top / "bad.md", UNSAFE)
    write(top / "sub" / "b.html", post(2))
    proc = process(
        "convert", top / "bad.md", top / "a.md", top / "sub", "-t", "txt", "--fail-fast", "-j", "2"
    )
    assert proc.returncode == 1, proc.stderr
    no_traceback(proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 2 and SUMMARY.match(lines[1]), proc.stderr
    assert lines[0].startswith(f"cleanart: {top / 'bad.md'}: ")


def test_usage_errors_exit_2(tmp_path):
    p = write(tmp_path / "a.md", post(1))
    for args in ([p, "-0"], [p, "-t", "pdf"], [p, "-j", "0"], ["--files-from", tmp_path / "nope.txt"]):
        proc = cleanart(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("cleanart: ")
        no_traceback(proc.stderr)


# --- --files-from -----------------------------------------------------------------------


def test_files_from_newline_separated(tmp_path):
    write_posts(tmp_path / "in" / "sub", 3)
    write(tmp_path / "list.txt", "in/sub/p0002.md\nin/sub/p0000.md\n\n")
    proc = cleanart("--files-from", "list.txt", "-o", "out", "-t", "txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {"in/sub/p0002.txt", "in/sub/p0000.txt"}
    proc = cleanart("--files-from", "list.txt", "-t", "json", cwd=tmp_path)
    assert [d["source"] for d in json_lines(proc.stdout)] == ["in/sub/p0002.md", "in/sub/p0000.md"]


def test_files_from_crlf_list(tmp_path):
    write_posts(tmp_path / "in", 2)
    proc = cleanart("--files-from", "-", "-t", "json", stdin=b"in/p0000.md\r\nin/p0001.md\r\n", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [d["source"] for d in json_lines(proc.stdout)] == ["in/p0000.md", "in/p0001.md"]


def test_files_from_nul_separated_with_spaces_and_newlines(tmp_path):
    top = tmp_path / "in"
    names = ["plain.md", "with space.md", "new\nline.md", " lead.html"]
    for i, name in enumerate(names):
        write(top / name, post(i))
    listing = subprocess.run(
        ["find", "in", "-type", "f", "-print0"], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    assert listing.count(b"\0") == 4
    (tmp_path / "list0").write_bytes(listing)
    proc = cleanart("--files-from", "list0", "-0", "-o", "out", "-t", "txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {
        "in/plain.txt",
        "in/with space.txt",
        "in/new\nline.txt",
        "in/ lead.txt",
    }
    assert (
        tmp_path / "out" / "in" / "new\nline.txt"
    ).read_text().strip() == "Body 2, paragraph 0.\n\nThe end of post 2."

    # same list on stdin, to stdout, in the list's order
    proc = cleanart("--files-from", "-", "-0", "-t", "json", stdin=listing, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected_sources = [os.fsdecode(n) for n in listing.split(b"\0") if n]
    assert [d["source"] for d in json_lines(proc.stdout)] == expected_sources


def test_files_from_stdin_newline(tmp_path):
    write_posts(tmp_path / "in", 3)
    proc = cleanart("--files-from", "-", "-t", "txt", stdin="in/p0001.md\nin/p0000.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected(tmp_path / "in/p0001.md", "txt") + "\n" + expected(
        tmp_path / "in/p0000.md", "txt"
    )


def test_files_from_with_dotdot_and_absolute_names_writes_only_inside_out(tmp_path):
    write(tmp_path / "other" / "x.md", post(1))
    write(tmp_path / "abs" / "y.md", post(2))
    work = tmp_path / "work"
    work.mkdir()
    names = f"../other/x.md\n{tmp_path / 'abs' / 'y.md'}\n"
    before = snapshot(tmp_path)
    proc = cleanart("--files-from", "-", "-o", "out", "-t", "txt", stdin=names, cwd=work)
    assert proc.returncode == 0, proc.stderr
    after = snapshot(tmp_path)
    new = set(after) - set(before)
    assert new and all(name.startswith("work/out/") for name in new), new
    assert len(new) == 2
    assert {k: v for k, v in after.items() if k in before} == before


# --- -u ---------------------------------------------------------------------------------


def test_update_skips_up_to_date_and_rewrites_only_the_touched_one(tmp_path):
    top = tmp_path / "in"
    paths = [*write_posts(top / "sub", 3), write(top / "z.html", post(9))]
    old = time.time() - 1000
    for p in paths:
        os.utime(p, (old, old))
    out = tmp_path / "out"
    proc = cleanart(top, "-o", out, "-t", "txt", "-u")
    assert proc.returncode == 0, proc.stderr
    assert summary(proc.stderr)[:2] == (4, 0)
    first = snapshot(out)
    assert len(first) == 4

    proc = cleanart(top, "-o", out, "-t", "txt", "-u")
    assert proc.returncode == 0, proc.stderr
    assert summary(proc.stderr)[:3] == (0, 4, 0)
    assert snapshot(out) == first

    newer = time.time() + 100  # clearly newer than its output
    os.utime(paths[1], (newer, newer))
    paths[1].write_text(post(1).replace("The end", "A new end"), encoding="utf-8")
    os.utime(paths[1], (newer, newer))
    proc = cleanart(top, "-o", out, "-t", "txt", "-u")
    assert proc.returncode == 0, proc.stderr
    assert summary(proc.stderr)[:3] == (1, 3, 0)
    third = snapshot(out)
    changed = {k for k in third if third[k] != first[k]}
    assert changed == {"sub/p0001.txt"}
    assert "A new end of post 1." in (out / "sub" / "p0001.txt").read_text()


def test_without_update_everything_is_rewritten(tmp_path):
    write_posts(tmp_path / "in", 2)
    out = tmp_path / "out"
    assert cleanart(tmp_path / "in", "-o", out, "-t", "txt").returncode == 0
    stale = time.time() - 1000
    for p in out.iterdir():
        os.utime(p, (stale, stale))
    proc = cleanart(tmp_path / "in", "-o", out, "-t", "txt")
    assert summary(proc.stderr)[:2] == (2, 0)
    assert all(p.stat().st_mtime > stale + 500 for p in out.iterdir())


# --- output folder inside the input folder ----------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html", "txt"])
def test_output_dir_inside_input_dir_is_not_walked(tmp_path, fmt):
    top = tmp_path / "in"
    write_posts(top, 3)
    write(top / "sub" / "q.md", post(7))
    for run in range(2):
        proc = cleanart(top, "-o", top / "clean", "-t", fmt)
        assert proc.returncode == 0, proc.stderr
        assert summary(proc.stderr)[:3] == (4, 0, 0), f"run {run + 1}: {proc.stderr}"
        ext = "." + fmt
        assert files_under(top / "clean") == {f"p000{i}{ext}" for i in range(3)} | {"sub/q" + ext}


def test_output_dir_inside_input_dir_relative_spelling(tmp_path):
    top = tmp_path / "in"
    write_posts(top, 2)
    for _ in range(2):
        proc = cleanart("./in", "-o", "in/../in/clean", "-t", "md", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert files_under(top / "clean") == {"p0000.md", "p0001.md"}


def test_output_dir_inside_a_subfolder_of_the_input_is_not_walked(tmp_path):
    """-o in/sub/out does not exist when the run starts; it is created before the walk
    reaches in/sub, and its fresh outputs must not be taken as inputs."""
    top = tmp_path / "in"
    write(top / "a.md", post(1))
    write(top / "sub" / "b.md", post(2))
    try:
        # A real process, so a runaway (converting its own outputs) can be stopped.
        proc = process("convert", top, "-o", top / "sub" / "out", "-t", "md", "-j", "1")
        assert proc.returncode == 0, proc.stderr[-400:]
        assert summary(proc.stderr)[:3] == (2, 0, 0)
        assert files_under(top / "sub" / "out") == {"a.md", "sub/b.md"}
    finally:
        # a runaway leaves a tree too deep for pytest's (recursive) tmp cleanup
        subprocess.run(["rm", "-rf", str(top / "sub" / "out")], check=False)


# --- collisions, loops, duplicates ------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_collision_is_an_error_for_the_second_input(tmp_path, jobs):
    top = tmp_path / "in"
    write(top / "a.md", "---\ntitle: From md\n---\n<p>Text of the md file.</p>\n")
    write(top / "a.html", "---\ntitle: From html\n---\n<p>Text of the html file.</p>\n")
    write(top / "b.md", post(2))
    first, second = sorted_walk(top)[:2]
    proc = cleanart(top, "-o", tmp_path / "out", "-t", "txt", "-j", jobs)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if not SUMMARY.match(line)]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith(f"cleanart: {second}: ")
    assert first not in proc.stderr.replace(second, "")
    word = "md" if first.endswith(".md") else "html"
    assert (tmp_path / "out" / "a.txt").read_text().strip() == f"Text of the {word} file."
    assert files_under(tmp_path / "out") == {"a.txt", "b.txt"}
    assert summary(proc.stderr)[:3] == (2, 0, 1)
    no_traceback(proc.stderr)


def test_collision_across_given_folders(tmp_path):
    write(tmp_path / "one" / "a.md", "---\ntitle: One\n---\n<p>One.</p>\n")
    write(tmp_path / "two" / "a.md", "---\ntitle: Two\n---\n<p>Two.</p>\n")
    proc = cleanart(tmp_path / "one", tmp_path / "two", "-o", tmp_path / "out", "-t", "txt")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"cleanart: {tmp_path / 'two' / 'a.md'}: ")
    assert (tmp_path / "out" / "a.txt").read_text().strip() == "One."


def test_symlink_loop_finishes_and_converts_each_file_once(tmp_path):
    top = tmp_path / "in"
    write_posts(top, 2)
    write_posts(top / "sub", 2)
    os.symlink(top, top / "loop")
    os.symlink(top, top / "sub" / "back")
    os.symlink("..", top / "sub" / "up")
    started = time.monotonic()
    proc = cleanart(top, "-t", "json")
    assert time.monotonic() - started < 15
    assert proc.returncode == 0, proc.stderr
    sources = [d["source"] for d in json_lines(proc.stdout)]
    assert len(sources) == 4
    assert len({os.path.realpath(s) for s in sources}) == 4

    proc = cleanart(top, "-o", tmp_path / "out", "-t", "txt")
    assert proc.returncode == 0, proc.stderr
    assert len(files_under(tmp_path / "out")) == 4


def test_same_file_reached_twice_converted_once(tmp_path):
    top = tmp_path / "in"
    write_posts(top, 3)
    cases = [
        ([top / "p0001.md", top], ["Post 1", "Post 0", "Post 2"]),
        ([top, top / "p0001.md"], ["Post 0", "Post 1", "Post 2"]),
        ([top, top], ["Post 0", "Post 1", "Post 2"]),
        ([top / "p0000.md", top / "p0000.md"], ["Post 0"]),
        ([top / "p0000.md", f"{top}/./p0000.md"], ["Post 0"]),
    ]
    for args, titles in cases:
        proc = cleanart(*args, "-t", "json")
        assert proc.returncode == 0, proc.stderr
        assert [r["title"] for r in json_lines(proc.stdout)] == titles, args


def test_same_file_twice_with_o_is_not_a_collision(tmp_path):
    top = tmp_path / "in"
    write_posts(top, 2)
    proc = cleanart(top / "p0000.md", top, "-o", tmp_path / "out", "-t", "txt")
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {"p0000.txt", "p0001.txt"}


# --- -j ---------------------------------------------------------------------------------


def test_jobs_1_and_2_give_identical_output(tmp_path):
    top = tmp_path / "in"
    for i in range(200):
        folder = top / f"d{i % 7}" / (f"e{i % 3}" if i % 2 else "")
        name = f"p{i:03d}." + ("md", "html", "htm", "markdown")[i % 4]
        write(folder / name, post(i, paragraphs=i % 5))
    write(top / "d3" / "bad.md", UNSAFE)
    runs = {}
    for jobs in ("1", "2"):
        stdout = cleanart(top, "-t", "json", "-j", jobs)
        tree_run = cleanart(top, "-o", tmp_path / f"out{jobs}", "-t", "md", "-j", jobs)
        assert stdout.returncode == tree_run.returncode == 1

        def strip(s):
            return [line for line in s.splitlines() if not SUMMARY.match(line)]

        runs[jobs] = (
            stdout.stdout,
            strip(stdout.stderr),
            strip(tree_run.stderr),
            snapshot(tmp_path / f"out{jobs}"),
        )
    one, two = runs["1"], runs["2"]
    assert len(json_lines(one[0])) == 200
    assert one[0] == two[0]
    assert one[1] == two[1] and one[2] == two[2]
    assert {k: v[0] for k, v in one[3].items()} == {k: v[0] for k, v in two[3].items()}
    assert len(one[3]) == 200


# --- inputs are never modified ----------------------------------------------------------


def test_inputs_never_modified(tmp_path, tree):
    write(tree / "bad.md", UNSAFE)
    (tree / "2021" / "03" / "crlf.html").write_bytes(post(20).replace("\n", "\r\n").encode())
    (tree / "latin.htm").write_bytes("---\ntitle: Caf\xe9\n---\n<p>Caf\xe9 cr\xe8me.</p>\n".encode("latin-1"))
    old = time.time() - 5000
    for rel in files_under(tree):
        os.utime(tree / rel, (old, old))
    before = snapshot(tree)
    modes = {rel: (tree / rel).stat().st_mode for rel in before}
    for args in (
        ["-t", "json"],
        ["-t", "md"],
        ["-o", tmp_path / "out", "-t", "txt", "-j", "2"],
        ["-o", tmp_path / "out", "-t", "md", "-u"],
        ["-o", tree / "clean", "-t", "html"],
    ):
        proc = cleanart(tree, *args)
        assert proc.returncode == 1, proc.stderr
        after = snapshot(tree)
        assert {k: v for k, v in after.items() if not k.startswith("clean/")} == before, args
        assert {rel: (tree / rel).stat().st_mode for rel in before} == modes


# --- Ctrl-C -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_posts(tmp_path_factory):
    top = tmp_path_factory.mktemp("many") / "in"
    write_posts(top, 1500, paragraphs=12, width=5)
    return top


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_sigint_stops_with_130_and_leaves_no_partial_files(tmp_path, many_posts, jobs):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cleanart",
            "convert",
            str(many_posts),
            "-o",
            str(out),
            "-t",
            "txt",
            "-j",
            jobs,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: its workers can be looked for
    )
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and len(os.listdir(out)) >= 20:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=PROCESS_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = stderr.decode("utf-8")
    assert proc.returncode == 130, stderr
    no_traceback(stderr)
    assert "KeyboardInterrupt" not in stderr
    converted, _skipped, failed, _ = summary(stderr)
    assert stderr.rstrip().splitlines()[-1].startswith("cleanart: interrupted: ")
    assert failed == 0
    with pytest.raises(ProcessLookupError):  # workers are gone: nothing can appear after the exit
        os.killpg(proc.pid, 0)
    names = sorted(os.listdir(out))
    assert not any("cleanart-tmp" in n or n.startswith(".") for n in names), names
    assert 0 < len(names) < 1500
    assert converted <= len(names)
    for name in names:
        assert name.endswith(".txt")
        text = (out / name).read_text(encoding="utf-8")
        assert text == expected(many_posts / (name[:-4] + ".md"), "txt"), name
