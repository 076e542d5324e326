"""Stage 5, write: outputs land whole or not at all, and never outside their folder.

A file is written to a hidden temporary file beside its target (named after the
process, so parallel workers never share one) and renamed over it,
so an interrupted run (Ctrl-C, kill) never leaves a half-written output.
"""

from __future__ import annotations

import errno
import os
from functools import lru_cache

from .errors import OutputError

EXTENSIONS = {"md": ".md", "txt": ".txt", "json": ".json", "html": ".html"}


# A file name may have at most 255 bytes on the file systems cleanart writes to.
NAME_MAX = 255
WRITE_CHARS = 1 << 20  # outputs are encoded and written this many characters at a time


def write_atomic(path: str, text: str, root: str | None = None) -> None:
    """Write ``text`` as UTF-8 to ``path`` via a temporary file and a rename.

    With ``root`` (the -o folder), a path whose folder leads outside it through a
    symbolic link is refused instead of written there.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    if root is not None and not _within(folder or ".", os.fspath(root)):
        raise OutputError(errno.EXDEV, "its folder is a symbolic link leading outside the output folder")
    tmp = os.path.join(folder, temporary_name(name))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(folder or ".", exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for start in range(0, len(text), WRITE_CHARS):  # a huge output is not encoded whole
                handle.write(text[start : start + WRITE_CHARS])
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def temporary_name(name: str) -> str:
    """``.NAME.PID.cleanart-tmp``, NAME shortened so the whole stays within NAME_MAX bytes.

    The one temporary name of every output written beside its target (storage.py's too):
    hidden, and the process's own, so parallel workers never write into one file.
    """
    suffix = f".{os.getpid()}.cleanart-tmp"
    room = NAME_MAX - 1 - len(suffix)
    encoded = os.fsencode(name)
    if len(encoded) > room:
        name = os.fsdecode(encoded[:room].decode("utf-8", "ignore").encode("utf-8"))
    return f".{name}{suffix}"


@lru_cache(maxsize=1024)
def _within(folder: str, root: str) -> bool:
    """Whether ``folder``, symbolic links resolved, is ``root`` or inside it (cached per folder)."""
    real, top = os.path.realpath(folder), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


INPUT_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".xhtml", ".txt", ".json")


def output_path(out_dir: str, relative: str, fmt: str) -> str:
    """``out_dir/relative`` with the format's extension; '..' and '.' parts are dropped.

    Plain strings, not pathlib: pathlib interns every path part, so a batch of many
    uniquely named files would grow the process's memory.
    """
    # Only the system's separators split: on POSIX a backslash is part of a name, and
    # a file named a\x.md must not become a/x.md, the output of another input.
    if os.altsep:
        relative = relative.replace(os.altsep, os.sep)
    parts = [p for p in relative.split(os.sep) if p not in ("", ".", "..")]
    if not parts:
        parts = ["stdin"]
    stem, suffix = os.path.splitext(parts[-1])
    parts[-1] = (stem if suffix.lower() in INPUT_SUFFIXES and stem else parts[-1]) + EXTENSIONS[fmt]
    return os.path.join(os.fspath(out_dir), *parts)
