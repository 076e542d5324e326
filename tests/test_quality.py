"""Quality floors on the labelled corpus, and `cleanart explain` on every corpus file.

Reads ../shared/corpus (never copied into the project); skips when it is absent.
Scoring uses ../shared/eval/score.py on a plain-text batch conversion.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED, cli

RSS = SHARED / "corpus" / "rss"
SEED_DIR = SHARED / "corpus" / "seed"
SEED = SEED_DIR / "000.md"
SCORE = SHARED / "eval" / "score.py"

HAVE_RSS = RSS.is_dir() and any(RSS.glob("*.gold.json"))
pytestmark = pytest.mark.skipif(not HAVE_RSS, reason="../shared/corpus/rss is not here")
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="../shared/corpus/seed/000.md is not here")
needs_score = pytest.mark.skipif(not SCORE.is_file(), reason="../shared/eval/score.py is not here")

F1_FLOOR = 0.995
LEAK_CEILING = 0.02


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("rss-txt")
    proc = cli("convert", str(RSS), "-o", str(out), "-t", "txt", "-q")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    scored = subprocess.run(
        [sys.executable, str(SCORE), str(RSS), str(out), "--json"],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    assert scored.returncode == 0, scored.stderr[-2000:]
    return json.loads(scored.stdout.strip().splitlines()[-1])


@needs_score
def test_every_labelled_post_has_a_prediction(summary):
    assert summary["documents"] == len(list(RSS.glob("*.gold.json")))
    assert summary["missing"] == []


@needs_score
def test_f1_floor(summary):
    assert summary["f1"] >= F1_FLOOR, summary


@needs_score
def test_leak_rate_ceiling(summary):
    assert summary["leak_rate"] <= LEAK_CEILING, summary


@needs_score
def test_no_document_lost(summary):
    assert summary["lost"] == 0, summary


def corpus_files() -> list[Path]:
    files = sorted(RSS.glob("*.md"))
    if SEED_DIR.is_dir():
        files += sorted(SEED_DIR.glob("*.md"))
    return files


@needs_seed
def test_explain_works_on_every_corpus_file():
    # In-process through the command (one interpreter, not one per file).
    from typer.testing import CliRunner

    from cleanart.cli import app

    runner = CliRunner()
    failures = []
    files = corpus_files()
    assert files
    for path in files:
        result = runner.invoke(app, ["explain", str(path)])
        if result.exit_code != 0 or result.exception is not None:
            failures.append(
                f"{path.name}: exit {result.exit_code} {result.exception!r} {result.output[-300:]!r}"
            )
            continue
        rows = [line.split("\t") for line in result.stdout.splitlines() if line]
        if not any(row[0] == "title" for row in rows if len(row) == 2):
            failures.append(f"{path.name}: no title metadata line")
    assert not failures, "\n".join(failures)


@needs_seed
def test_explain_on_the_seed_shows_stock_unwraps_and_the_editor_move():
    proc = cli("explain", str(SEED))
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines() if line]
    unwraps = [row for row in rows if row[0] == "unwrap" and row[1].startswith("site-sina.")]
    assert len(unwraps) >= 7, rows
    unwrapped = {row[3] for row in unwraps}
    assert {"建设银行", "民生银行", "招商银行", "工商银行"} <= unwrapped
    moves = [row for row in rows if row[0] == "move"]
    assert any(row[2] == "credits" and "责任编辑" in row[3] for row in moves), moves
    meta = {row[0]: row[1] for row in rows if len(row) == 2}
    assert "credits" in meta and "尹悦" in meta["credits"]
    assert "新浪财经APP" in proc.stdout  # the app promo box shows as removed
