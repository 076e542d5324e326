"""Start-up: one short command, timed against what a user would compare it with.

    python benchmarks/startup.py [--runs 11] [FILE]

Pairs, each run alternately (A, B, A, B, ...) so a busy moment costs both sides alike,
with the median wall time of each side and their ratio:

- ``cleanart convert FILE -t txt`` against ``html2text FILE`` (the issue's goal: at most
  2 times);
- ``cleanart --version`` against ``python -c "import typer"`` (Python starting plus
  typer's import: the least a typer command can cost; the goal: under 1.5 times).

FILE defaults to examples/zh-news.md.  The commands are the console scripts next to
this Python (``pip install -e '.[bench]'`` puts html2text there).  cleanart's modules
are byte-compiled first, as ``pip install`` does for every package (an editable
install under PYTHONDONTWRITEBYTECODE would otherwise compile them on every run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def paired(a: list[str], b: list[str], runs: int) -> tuple[float, float]:
    """Median seconds of ``a`` and of ``b``, run alternately ``runs`` times each (after a warm-up)."""
    timed(a), timed(b)  # the page cache and .pyc files, for both
    times_a, times_b = [], []
    for _ in range(runs):
        times_a.append(timed(a))
        times_b.append(timed(b))
    return statistics.median(times_a), statistics.median(times_b)


def script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        sys.exit(f"{name} is not installed next to {sys.executable} (pip install -e '.[bench]')")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(HERE.parent / "examples" / "zh-news.md"))
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    os.environ.pop("CLEANART_CACHE", None)
    cleanart, html2text = script("cleanart"), script("html2text")
    import compileall

    import cleanart as package

    compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)
    rows = [
        (
            f"cleanart convert {Path(args.file).name} -t txt",
            f"html2text {Path(args.file).name}",
            paired([cleanart, "convert", args.file, "-t", "txt"], [html2text, args.file], args.runs),
            2.0,
        ),
        (
            "cleanart --version",
            'python -c "import typer"',
            paired([cleanart, "--version"], [sys.executable, "-c", "import typer"], args.runs),
            1.5,
        ),
    ]
    print(f"median of {args.runs} paired runs each, wall time\n")
    print("| command | ms | against | ms | ratio | goal |")
    print("|---|---|---|---|---|---|")
    for mine, theirs, (a, b), goal in rows:
        print(f"| `{mine}` | {a * 1000:.0f} | `{theirs}` | {b * 1000:.0f} | {a / b:.2f} | < {goal} |")


if __name__ == "__main__":
    main()
