"""Shared helpers: running the command in-process or as a real process, and the corpus.

``cli(...)`` runs ``cleanart`` in this process (typer's CliRunner: fresh streams, the
real exit status), which takes milliseconds.  ``process(...)`` starts a real Python
process; use it only where a process is the point (signals, pipes, file descriptors,
resource limits, the installed script).

The labelled corpus is read from ``../shared`` (never copied into the project); set
``CLEANART_SHARED`` to another folder, or to a missing one to run without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("CLEANART_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpus"

# Real processes may share two loaded cores with the rest of the suite: never a short limit.
PROCESS_TIMEOUT = 300


@dataclass
class Ran:
    """What a run of the command left: as subprocess.CompletedProcess names it."""

    returncode: int
    stdout: str | bytes
    stderr: str | bytes


def cli(*args, stdin: str | bytes | None = None, cwd=None, binary: bool = False, env=None) -> Ran:
    """Run ``cleanart ARGS`` in this process; ``env`` is a fake ``Environment`` if given."""
    from typer.testing import CliRunner

    from cleanart.cli import app

    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    before = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args], input=stdin, obj=env, prog_name="cleanart")
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if binary:
        return Ran(result.exit_code, result.stdout_bytes, result.stderr_bytes)
    return Ran(result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr_bytes.decode("utf-8"))


def process(
    *args, stdin: str | bytes | None = None, cwd=None, binary: bool = False, module: bool = True, **kwargs
) -> subprocess.CompletedProcess:
    """Run ``python -m cleanart ARGS`` as a real process (bytes, or text with ``binary=False``)."""
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    command = [sys.executable, "-m", "cleanart"] if module else []
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    proc = subprocess.run(
        [*command, *map(str, args)], input=stdin, cwd=cwd, timeout=PROCESS_TIMEOUT, check=False, **streams
    )
    if not binary:
        if isinstance(proc.stdout, bytes):
            proc.stdout = proc.stdout.decode("utf-8")
        if isinstance(proc.stderr, bytes):
            proc.stderr = proc.stderr.decode("utf-8")
    return proc


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads these options
def pytest_cmdline_main(config):
    """The whole suite (no paths named) runs on ``-n auto`` workers, at most 4, when
    pytest-xdist is installed (the test extra installs it), a file to a worker: its
    module-scoped fixtures (a Dask cluster, folders of 1,500 posts) are then made once,
    as in one process.  ``-n N`` chooses the number, ``-n 0`` or ``-p no:xdist`` runs
    the tests in this process, as does naming paths (one file needs no workers)."""
    if (
        config.pluginmanager.hasplugin("xdist")
        and not hasattr(config, "workerinput")  # a worker itself
        and config.option.numprocesses is None
        and config.option.dist == "no"
        and not config.option.tx
        and getattr(getattr(config, "args_source", None), "name", None) == "TESTPATHS"  # pytest 7.2+
    ):
        config.option.numprocesses = "auto"
        config.option.maxprocesses = config.option.maxprocesses or 4
        config.option.dist = "loadfile"


_DONT_WRITE_BYTECODE = pytest.StashKey[bool]()  # sys.dont_write_bytecode, as this run began


def pytest_sessionstart(session):
    """Byte-compile cleanart once, as installing it does: the real processes the tests
    start (and this one) then load it instead of compiling every module each time,
    which they otherwise do under PYTHONDONTWRITEBYTECODE with an editable install.

    For the same reason pytest may cache what it collects: the test modules, and
    hypothesis (a pytest plugin's package), with their asserts rewritten, which it
    otherwise rewrites again at every run (2.6 s of CPU, in each process that collects)."""
    import compileall

    import cleanart

    if not hasattr(session.config, "workerinput"):  # the controller compiles for its workers
        compileall.compile_dir(os.path.dirname(cleanart.__file__), quiet=1)
    session.config.stash[_DONT_WRITE_BYTECODE] = sys.dont_write_bytecode
    sys.dont_write_bytecode = False


def pytest_collection_finish(session):
    """Collected: this process writes bytecode again only if it was told to."""
    sys.dont_write_bytecode = session.config.stash.get(_DONT_WRITE_BYTECODE, sys.dont_write_bytecode)


@pytest.fixture(scope="session", autouse=True)
def _cache_of_this_session(tmp_path_factory):
    """The packs' cache in a folder of this run's own, not the user's (processes inherit it)."""
    before = os.environ.get("CLEANART_CACHE")
    os.environ["CLEANART_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["CLEANART_CACHE"]
    else:
        os.environ["CLEANART_CACHE"] = before
