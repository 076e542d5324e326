"""Converting on a Dask cluster: a ``distributed.LocalCluster`` of two worker processes.

The command runs as a user runs it (``python -m cleanart convert ... --scheduler
ADDRESS``) against a cluster started here, and its outputs are compared byte for
byte with those of ``-j 1`` on the same folder.  A worker killed in the middle of
the run (by a worker plugin, at a fixed point, so no timing is involved) must not
cost an input nor write one twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SUMMARY = re.compile(
    r"^cleanart: (\d+) converted, (\d+) skipped, (\d+) failed, (\d+) empty in [\d.]+ s$", re.M
)


def cleanart(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "cleanart", "convert", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too: a temporary left behind would show)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local.scheduler_address, client


@pytest.fixture(scope="module")
def posts(tmp_path_factory):
    """36 posts of several kinds (headers, whole pages, Chinese, a broken header) in sub-folders."""
    root = tmp_path_factory.mktemp("dask") / "posts"
    examples = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".md", ".html"))
    assert examples
    for n in range(36):
        source = examples[n % len(examples)]
        target = root / f"{n // 10:02d}" / f"{n:02d}-{source.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    (root / "00" / "bad.md").write_text(
        "---\ntitle: !!python/object/apply:os.system ['true']\n---\n<p>x</p>\n"
    )
    return root


@pytest.fixture(scope="module")
def one_process(posts, tmp_path_factory):
    """What ``-j 1`` writes for ``posts``: (the run, the tree it wrote); the tests only read it."""
    out = tmp_path_factory.mktemp("local") / "out"
    return cleanart(posts, "-o", out, "-j", "1"), tree(out)


def test_two_dask_workers_write_the_bytes_one_process_writes(cluster, posts, one_process, tmp_path):
    address, _ = cluster
    local, written = one_process
    dask = cleanart(posts, "-o", tmp_path / "dask", "--scheduler", address, "--partition-size", "5")
    assert local.returncode == dask.returncode == 1  # the unsafe header fails in both
    assert tree(tmp_path / "dask") == written
    assert len(written) == 36
    # The same messages in the same order, and the same summary.
    assert SUMMARY.sub("", dask.stderr) == SUMMARY.sub("", local.stderr)
    assert SUMMARY.search(dask.stderr).groups() == ("36", "0", "1", "0")


def test_json_lines_on_stdout_come_in_input_order_from_the_cluster(cluster, posts, tmp_path):
    address, _ = cluster
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text(
        "".join(
            json.dumps({"url": f"https://example.com/{n}", "html": f"<p>Record number {n} has its text.</p>"})
            + "\n"
            for n in range(40)
        )
    )
    local = cleanart(posts, crawl, "-t", "json", "-j", "1")
    dask = cleanart(posts, crawl, "-t", "json", "--scheduler", address, "--partition-size", "3")
    assert dask.stdout == local.stdout
    sources = [json.loads(line)["source"] for line in dask.stdout.splitlines()]
    assert sources[-40:] == [f"{crawl}:{n}" for n in range(1, 41)]


class KillOnce(distributed.WorkerPlugin):
    """Kills the first worker to finish its second partition, once: its outputs are on
    disk, its results never reach the scheduler, so the partition runs again elsewhere."""

    def __init__(self, marker: str):
        self.marker = marker
        self.finished = 0

    def transition(self, key, start, finish, **kwargs):
        if finish != "memory" or "convert_partition" not in str(key):
            return
        self.finished += 1
        if self.finished == 2:
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return  # another worker died already
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_midway_still_converts_every_input_exactly_once(
    cluster, posts, one_process, tmp_path
):
    address, client = cluster
    marker = tmp_path / "killed"
    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        # Small partitions, so the run is many partitions long and the kill falls in its middle.
        dask = cleanart(posts, "-o", tmp_path / "dask", "--scheduler", address, "--partition-size", "4")
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker did die
    local, written = one_process
    assert tree(tmp_path / "dask") == written
    assert SUMMARY.sub("", dask.stderr) == SUMMARY.sub("", local.stderr)  # the death is Dask's business
    assert SUMMARY.search(dask.stderr).groups() == ("36", "0", "1", "0")
    assert dask.returncode == 1


def test_a_dask_bag_of_records_and_documents_converts_to_json_records():
    import dask.bag as db

    from cleanart.dask import convert_bag

    items = [
        {"url": "https://example.com/a", "title": "A", "html": "<p>First record's text.</p>"},
        "---\ntitle: B\n---\n<p>A document with a header.</p>",
        {"url": "https://example.com/c", "text": "no HTML field"},
        "<p>中文正文。</p>".encode("gb18030"),
    ]
    found = convert_bag(db.from_sequence(items, npartitions=2)).compute(scheduler="sync")
    assert [(x.get("title"), x.get("text") or x.get("error")) for x in found] == [
        ("A", "First record's text."),
        ("B", "A document with a header."),
        (None, "no HTML field (looked for html, body, content, raw)"),
        (None, "中文正文。"),
    ]
    assert found[0]["url"] == "https://example.com/a" and found[2]["source"] == "https://example.com/c"
    assert found[3]["encoding"] == "gb18030"


def test_a_bag_item_converts_as_its_json_lines_line_would():
    # Dicts from json.loads pass through as they are; anything JSON would change (a
    # datetime, a tuple, a number key) or refuse (a string that is not UTF-8) converts,
    # or fails, exactly as the same item written to a JSON Lines file and read back.
    import datetime

    import dask.bag as db

    from cleanart.dask import convert_bag
    from cleanart.records import Fields

    page = "<p>The tulips came up this week, earlier than last year.</p>"
    items = [
        {"url": "https://example.com/a", "title": "A", "tags": ["x", "y"], "n": 1.5, "html": page},
        {"url": "https://example.com/b", "date": datetime.datetime(2021, 3, 4, 5, 6), "html": page},
        {"url": "https://example.com/c", "tags": ("x", "y"), 7: "a number key", "html": page},
        {"url": "https://example.com/d", "html": page + "\ud800"},
    ]
    fields = Fields(meta=("title", "date", "tags", "7"))
    read_back = [json.loads(json.dumps(item, ensure_ascii=False, default=str)) for item in items[:3]]
    for given in (Fields(), fields):
        found = convert_bag(db.from_sequence(items), fields=given).compute(scheduler="sync")
        assert found[:3] == convert_bag(db.from_sequence(read_back), fields=given).compute(scheduler="sync")
        assert found[1]["date"] == "2021-03-04T05:06:00"
        assert "surrogates not allowed" in found[3]["error"]
