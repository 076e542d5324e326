"""Stage 5, write: outputs land whole or not at all, and never outside their folder.

A file is written to a hidden temporary file beside its target (named after the
process, so parallel workers never share one) and renamed over it,
so an interrupted run (Ctrl-C, kill) never leaves a half-written output.
"""

from __future__ import annotations

import os

EXTENSIONS = {"md": ".md", "txt": ".txt", "json": ".json", "html": ".html"}


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` via a temporary file and a rename."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.cleanart-tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(folder or ".", exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


INPUT_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".xhtml", ".txt", ".json")


def output_path(out_dir: str, relative: str, fmt: str) -> str:
    """``out_dir/relative`` with the format's extension; '..' and '.' parts are dropped.

    Plain strings, not pathlib: pathlib interns every path part, so a batch of many
    uniquely named files would grow the process's memory.
    """
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        parts = ["stdin"]
    stem, suffix = os.path.splitext(parts[-1])
    parts[-1] = (stem if suffix.lower() in INPUT_SUFFIXES and stem else parts[-1]) + EXTENSIONS[fmt]
    return os.path.join(os.fspath(out_dir), *parts)
