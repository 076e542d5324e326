"""Stage 5, write: outputs land whole or not at all, and never outside their folder.

A file is written to a hidden temporary file beside its target (named after the
process, so parallel workers never share one) and renamed over it,
so an interrupted run (Ctrl-C, kill) never leaves a half-written output.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

EXTENSIONS = {"md": ".md", "txt": ".txt", "json": ".json", "html": ".html"}


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` via a temporary file and a rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.cleanart-tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
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


def output_path(out_dir: Path, relative: PurePath, fmt: str) -> Path:
    """``out_dir/relative`` with the format's extension; ``relative`` has no '..' parts."""
    parts = [p for p in relative.parts if p not in ("", ".", "..", "/")]
    if not parts:
        parts = ["stdin"]
    relative = PurePath(*parts)
    name = (
        relative.stem
        if relative.suffix.lower() in (".md", ".markdown", ".html", ".htm", ".xhtml", ".txt", ".json")
        else relative.name
    )
    return out_dir.joinpath(relative.parent, name + EXTENSIONS[fmt])
