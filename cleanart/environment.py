"""The command line's surroundings, in one object: its streams, which of them is a
terminal, and whether colour and a progress bar are wanted (httpie's ``Environment``).

The commands read and write only through an ``Environment``, so a test can run them
in-process with a fake one (``Environment(stdin=..., stdout_isatty=True)``) instead of
starting a Python process per case.
"""

from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

WRITE_CHARS = 1 << 20  # output is encoded and written this many characters at a time


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a file at all
        return False


@dataclass
class Environment:
    """Streams and terminal facts. ``current()`` reads the real process's."""

    stdin: IO[bytes] = field(default_factory=lambda: sys.stdin.buffer)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    colour: bool = True  # NO_COLOR (https://no-color.org) turns it off
    ci: bool = False  # a CI runner: its log is no terminal, whatever isatty says
    cpus: int = 1

    @classmethod
    def current(cls) -> Environment:
        """The process's streams, as they are now (a test runner may have replaced them)."""
        stdin = getattr(sys.stdin, "buffer", sys.stdin)
        return cls(
            stdin=stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
            colour=not os.environ.get("NO_COLOR"),
            ci=bool(os.environ.get("CI")),
            cpus=os.cpu_count() or 1,
        )

    @property
    def progress(self) -> bool:
        """Whether a progress bar may show: stderr is a terminal a person watches."""
        return self.stderr_isatty and not self.ci

    def console(self, stderr: bool = False) -> Any:
        """A rich console on stdout (or stderr), with the colour decision made here."""
        from rich.console import Console

        return Console(file=self.stderr if stderr else self.stdout, no_color=not self.colour)

    def write(self, text: str) -> None:
        """Write ``text`` to stdout whole, or raise OSError.

        Straight to the file descriptor, in a loop: under a file size limit (``ulimit -f``)
        the system writes part of the text and returns, and Python's buffered stream lets
        the rest go without an error.
        """
        stream = self.stdout
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file: a test's capture
            stream.write(text)
            return
        stream.flush()
        encoder = codecs.getincrementalencoder(stream.encoding or "utf-8")(stream.errors or "strict")
        for start in range(0, len(text), WRITE_CHARS):  # a huge output is not encoded whole
            data = memoryview(encoder.encode(text[start : start + WRITE_CHARS]))
            while data:
                data = data[os.write(fd, data) :]

    def say(self, line: str) -> None:
        """One message line on stderr."""
        self.stderr.write(line + "\n")
        self.stderr.flush()

    def silence_stdout(self) -> None:
        """After a broken pipe: what is still buffered for stdout must not fail again at exit."""
        try:
            fd = self.stdout.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
