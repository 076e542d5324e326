"""Inputs and outputs at fsspec URLs (memory:// stands in for s3:// and gs://), and start-up.

memory:// lives in one process, so these runs are in this process (typer's runner).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import uuid

import pytest
from typer.testing import CliRunner

from cleanart.cli import app

POST = "---\ntitle: {title}\ndate: 2021-03-22\n---\n<p>{title}: the tulips came up this week.</p>\n"


def convert(*args):
    result = CliRunner().invoke(app, ["convert", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def memory():
    """A fresh memory:// folder (fsspec's memory store is one per process, shared by tests)."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"memory://cleanart-{uuid.uuid4().hex}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_a_folder_in_memory_converts_to_a_mirrored_folder_in_memory(memory, tmp_path):
    fs, root = memory
    local = tmp_path / "posts"
    for name in ("a.md", "sub/b.html", ".hidden/c.md", "notes.txt"):
        fs.pipe_file(f"{root}/in/{name}", POST.format(title=name).encode())
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_text(POST.format(title=name))
    status, _, err = convert(f"{root}/in", "-o", f"{root}/out", "-t", "txt")
    assert status == 0, err
    written = sorted(fs.find(f"{root}/out"))
    assert [p.split("/out/", 1)[1] for p in written] == ["a.txt", "sub/b.txt"]
    # The same bytes as from the same posts on disk.
    assert convert(local, "-o", tmp_path / "out", "-t", "txt", "-j", "1")[0] == 0
    for path in written:
        name = path.split("/out/", 1)[1]
        assert fs.cat_file(path) == (tmp_path / "out" / name).read_bytes()


def test_records_in_memory_into_one_json_lines_file_in_memory(memory):
    fs, root = memory
    lines = [
        {"url": f"https://example.com/{n}", "title": f"Post {n}", "html": f"<p>Body {n}.</p>"}
        for n in range(3)
    ]
    fs.pipe_file(f"{root}/crawl.jsonl", "".join(json.dumps(x) + "\n" for x in lines).encode())
    status, out, err = convert(f"{root}/crawl.jsonl", "-o", f"{root}/clean/all.jsonl")
    assert status == 0, err
    assert out == ""
    found = [json.loads(x) for x in fs.cat_file(f"{root}/clean/all.jsonl").decode().splitlines()]
    assert [x["title"] for x in found] == ["Post 0", "Post 1", "Post 2"]
    assert found[0]["source"] == f"{root}/crawl.jsonl:1"


def test_update_skips_outputs_in_memory_that_are_newer_than_their_input(memory):
    fs, root = memory
    fs.pipe_file(f"{root}/in/a.md", POST.format(title="a").encode())
    fs.pipe_file(f"{root}/in/b.md", POST.format(title="b").encode())
    assert convert(f"{root}/in", "-o", f"{root}/out")[0] == 0
    fs.pipe_file(f"{root}/in/b.md", POST.format(title="b, edited").encode())  # newer than its output now
    status, _, err = convert(f"{root}/in", "-o", f"{root}/out", "-u")
    assert status == 0
    assert "1 converted, 1 skipped, 0 failed" in err
    assert b"b, edited" in fs.cat_file(f"{root}/out/b.md")


def test_a_url_without_fsspec_is_a_one_line_usage_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if it were not installed
    status, _, err = convert("s3://bucket/posts", "-o", "clean/")
    assert status == 2
    assert (
        err.splitlines()[0] == "cleanart: s3://bucket/posts: URLs need fsspec: pip install 'cleanart[remote]'"
    )


@pytest.mark.skipif(importlib.util.find_spec("gcsfs") is not None, reason="gcsfs is installed")
def test_a_url_whose_backend_is_missing_names_the_package():
    pytest.importorskip("fsspec")
    status, _, err = convert("gs://bucket/posts/a.md")
    assert status == 2
    first = err.splitlines()[0]  # fsspec's own words, which name the package
    assert first.startswith("cleanart: gs://bucket/posts/a.md: ") and "install gcsfs" in first.lower()


def test_a_file_url_is_a_local_path(tmp_path):
    (tmp_path / "a.md").write_text(POST.format(title="local"))
    status, out, _ = convert(f"file://{tmp_path}/a.md", "-t", "txt")
    assert status == 0
    assert out == "local: the tulips came up this week.\n"


def test_converting_one_post_imports_neither_dask_nor_fsspec(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(POST.format(title="one"))
    probe = (
        "import sys\n"
        f"sys.argv = ['cleanart', 'convert', {str(post)!r}, '-o', {str(tmp_path / 'out.md')!r}]\n"
        "from cleanart.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('dask', 'distributed', 'fsspec', 'warcio', 'cleanart.records', 'cleanart.dask')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout == "[]\n", done.stderr
    assert (tmp_path / "out.md").read_text().startswith("---\ntitle: one\n")


def test_the_dask_engine_without_dask_is_a_one_line_usage_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if cleanart[dask] were not installed
    status, _, err = convert(tmp_path, "-o", tmp_path / "out", "--engine", "dask")
    assert status == 2
    assert (
        err.splitlines()[0]
        == "cleanart: --engine dask and --scheduler need Dask: pip install 'cleanart[dask]'"
    )


def test_memory_urls_cannot_go_to_dask_workers(memory):
    _, root = memory
    status, _, err = convert(f"{root}/in", "-o", f"{root}/out", "--engine", "dask")
    assert status == 2
    assert "memory:// lives in this process only" in err.splitlines()[0]
