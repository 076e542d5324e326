"""Helpers shared by the benchmark scripts (not part of the cleanart package)."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_SCORER = REPO.parent / "shared" / "eval" / "score.py"
WRAP = "<html><body>{}</body></html>"


def need_dir(path: Path, what: str) -> Path:
    """Exit with a clear message when a corpus folder is missing."""
    if not path.is_dir():
        sys.exit(f"error: {what} not found: {path} (give another location with --corpus DIR)")
    return path


def optional(module: str):
    """Import a competitor, or return None when its package is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def installed(module: str) -> bool:
    """Whether a module can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def split_front_matter(text: str) -> str:
    """Return the body: drop leading blank lines and a `---` ... `---` YAML header."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].strip() == "---":
        for j in range(i + 1, len(lines)):
            if lines[j].strip() == "---":
                return "".join(lines[j + 1 :])
    return text


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    dists = ["cleanart", "trafilatura", "readability-lxml", "html2text", "lxml"]
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    return (
        f"Machine: {os.cpu_count()} CPUs{load}, Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()})\n"
        "Versions: " + ", ".join(f"{d} {version(d)}" for d in dists)
    )


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table; numbers are right-aligned."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    right = [i > 0 for i in range(len(headers))]

    def fmt(r):
        return "| " + " | ".join(c.rjust(w) if a else c.ljust(w) for c, w, a in zip(r, widths, right)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if a else "-" * (w + 2) for w, a in zip(widths, right)) + "|"
    return "\n".join([fmt(headers), rule, *map(fmt, cells)])
