"""Where inputs and outputs live: local paths, or fsspec URLs (``s3://``, ``gs://``, ``memory://``).

Local paths keep the plain ``os`` calls of the rest of cleanart (and fsspec is never
imported for them); ``file://`` URLs become local paths.  Any other URL goes
through fsspec, an optional dependency (``cleanart[remote]``), with the backend the
URL's scheme needs (s3fs, gcsfs...).  Outputs land whole or not at all: an
object store shows an object only once its upload is complete, and elsewhere the
output is written beside its target and moved over it.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from typing import IO, Iterator

from .writer import temporary_name, write_atomic

URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")

# Stores where one upload makes the object appear whole (no temporary object needed).
WHOLE_UPLOADS = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory"}


class StorageError(OSError):
    """A URL cleanart cannot reach: fsspec or the scheme's backend is not installed."""


JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")


def record_kind(path: str) -> str | None:
    """``"jsonl"`` or ``"warc"`` for a file of records (by its name), else None.

    Here rather than in records.py, so that a run without record files never imports it.
    """
    name = path.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    return None


def is_url(path: str) -> bool:
    """Whether ``path`` is a URL other than ``file://`` (those are local paths)."""
    found = URL.match(path)
    return bool(found) and found.group(1).lower() != "file"


def local(path: str) -> str:
    """A ``file://`` URL as a local path; anything else unchanged."""
    found = URL.match(path)
    if found and found.group(1).lower() == "file":
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(path).path) or "/"
    return path


def scheme(path: str) -> str | None:
    found = URL.match(path)
    return found.group(1).lower() if found else None


def filesystem(url: str):
    """(fsspec file system, path within it) for a URL; StorageError when it cannot be reached."""
    try:
        import fsspec
    except ImportError:
        raise StorageError(f"{url}: URLs need fsspec: pip install 'cleanart[remote]'") from None
    try:
        fsspec.get_filesystem_class(scheme(url))
    except ImportError as exc:  # fsspec names the package: "Install s3fs to access S3"
        raise StorageError(f"{url}: {exc}") from None
    except ValueError:
        raise StorageError(f"{url}: no fsspec backend knows {scheme(url)}://") from None
    return fsspec.core.url_to_fs(url)


def check(path: str) -> None:
    """Raise StorageError now, before any work, if ``path`` is a URL that cannot be reached."""
    if is_url(path):
        filesystem(path)


def in_process_only(path: str) -> bool:
    """``memory://`` lives in one process: worker processes would each see their own."""
    return scheme(path) == "memory"


def read_bytes(path: str) -> bytes:
    if not is_url(path):
        with open(local(path), "rb") as handle:
            return handle.read()
    fs, inner = filesystem(path)
    return fs.cat_file(inner)


def open_binary(path: str) -> IO[bytes]:
    """A binary stream to read (record files are read as streams, never whole)."""
    if not is_url(path):
        return open(local(path), "rb")
    fs, inner = filesystem(path)
    return fs.open(inner, "rb")


def write_text(path: str, text: str, root: str | None = None) -> None:
    """Write ``text`` as UTF-8, whole or not at all.

    A local path goes to writer.write_atomic, which refuses one leading out of ``root``
    (the -o folder) through a symbolic link; ``root`` means nothing to a URL.
    """
    if not is_url(path):
        write_atomic(local(path), text, local(root) if root is not None else None)
        return
    fs, inner = filesystem(path)
    data = text.encode("utf-8")
    folder = posixpath.dirname(inner)
    if folder:
        fs.makedirs(folder, exist_ok=True)
    if scheme(path) in WHOLE_UPLOADS:
        fs.pipe_file(inner, data)
        return
    temporary = posixpath.join(folder, temporary_name(posixpath.basename(inner)))
    fs.pipe_file(temporary, data)
    try:
        fs.mv(temporary, inner)
    except BaseException:
        fs.rm(temporary)
        raise


def is_dir(path: str) -> bool:
    if not is_url(path):
        return os.path.isdir(local(path))
    fs, inner = filesystem(path)
    return fs.isdir(inner)


def modified(path: str) -> float | None:
    """When ``path`` was last written, in seconds since the epoch; None when it does not exist."""
    if not is_url(path):
        try:
            return os.stat(local(path)).st_mtime
        except OSError:
            return None
    fs, inner = filesystem(path)
    try:
        return fs.modified(inner).timestamp()
    except FileNotFoundError:
        return None
    except (NotImplementedError, AttributeError, OSError):
        pass
    try:
        info = fs.info(inner)
    except FileNotFoundError:
        return None
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is not None:
            return value.timestamp() if hasattr(value, "timestamp") else float(value)
    return None


def newer(target: str, source: str) -> bool:
    """Whether ``target`` exists and is at least as new as ``source`` (for -u)."""
    made, changed = modified(target), modified(source)
    return made is not None and changed is not None and made >= changed


def walk(url: str, globs: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(file URL, path relative to ``url``) for every matching file under a folder URL, sorted.

    Hidden files and folders (a name starting with ``.``) are left out, as in local walks.
    """
    fs, inner = filesystem(url)
    matches = re.compile("|".join(fnmatch.translate(g) for g in globs)).match
    root = inner.rstrip("/")
    base = url.rstrip("/")
    for found in sorted(fs.find(root)):
        relative = found[len(root) :].lstrip("/")
        parts = relative.split("/")
        if any(p.startswith(".") for p in parts) or not matches(parts[-1]):
            continue
        yield f"{base}/{relative}", relative


class Sink:
    """One output file filled as the run goes (``-o FILE.jsonl``), appearing whole at the end.

    ``commit`` makes it appear; ``discard`` (an interrupted run) leaves no file.
    """

    def __init__(self, path: str):
        self.path = path
        self.url = is_url(path)
        if not self.url:
            folder, name = os.path.split(local(path))
            if folder:
                os.makedirs(folder, exist_ok=True)
            self.temporary = os.path.join(folder, temporary_name(name))
            self.handle = open(self.temporary, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            return
        self.fs, inner = filesystem(path)
        folder = posixpath.dirname(inner)
        if folder:
            self.fs.makedirs(folder, exist_ok=True)
        self.inner = inner
        whole = scheme(path) in WHOLE_UPLOADS
        hidden = temporary_name(posixpath.basename(inner))
        self.temporary = None if whole else posixpath.join(folder, hidden)
        self.handle = self.fs.open(self.temporary or inner, "wb")

    def write(self, text: str) -> None:
        self.handle.write(text if not self.url else text.encode("utf-8"))

    def commit(self) -> None:
        self.handle.close()
        if not self.url:
            os.replace(self.temporary, local(self.path))
        elif self.temporary:
            self.fs.mv(self.temporary, self.inner)

    def discard(self) -> None:
        if not self.url:
            self.handle.close()
            os.unlink(self.temporary)
            return
        discard = getattr(self.handle, "discard", None)
        if callable(discard):  # an upload in parts: abort it, nothing appears
            discard()
        elif self.temporary:
            self.handle.close()
            self.fs.rm(self.temporary)
