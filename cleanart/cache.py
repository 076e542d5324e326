"""What one run prepares and the next can reuse, kept in the user's cache folder.

Entries are pickles named by a key made from everything they were built from (the
built-in packs' bytes, cleanart's and Python's versions), so a changed pack or a new
release simply misses.  The cache is an optimisation only: a folder that cannot be
made or written, or an entry that cannot be read, costs the preparation it would
have saved and nothing else.  ``CLEANART_CACHE`` names another folder, or ``off``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any, Iterable


def folder() -> Path | None:
    chosen = os.environ.get("CLEANART_CACHE")
    if chosen:
        return None if chosen.lower() == "off" else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleanart"


def key(parts: Iterable[bytes]) -> str:
    from . import __version__

    digest = hashlib.sha256(f"{__version__} {sys.version}".encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:32]


def load(name: str, entry_key: str) -> Any | None:
    where = folder()
    if where is None:
        return None
    try:
        with open(where / f"{name}-{entry_key}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, unreadable, truncated, from another version: rebuild
        return None


def store(name: str, entry_key: str, value: Any) -> None:
    """Write an entry whole (a temporary file renamed), or not at all."""
    where = folder()
    if where is None:
        return
    target = where / f"{name}-{entry_key}.pickle"
    temporary = where / f".{name}-{entry_key}.{os.getpid()}.tmp"
    try:
        where.mkdir(parents=True, exist_ok=True)
        for old in where.glob(f"{name}-*.pickle"):  # entries for packs that changed since
            old.unlink()
        with open(temporary, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass
