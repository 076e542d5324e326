"""What can go wrong, in one place: the error family and the warning record.

``CleanartError`` is the root of every error cleanart raises on purpose, so a caller
catches that one class.  Each kind also derives from the built-in class it replaced
(``ValueError``, ``OSError``), so code written against cleanart 0.1, which caught
those, keeps working.

A ``CleanartWarning`` is a problem that does not stop the input: a code a program can test, a
message for people, and the input line when there is one.  It is a ``str`` (its text
is ``line N: message``), so callers of 0.1 that treated warnings as strings still can.
"""

from __future__ import annotations


class CleanartError(Exception):
    """A problem that stops one input (or the whole run, for a bad rule file)."""


class HeaderError(CleanartError, ValueError):
    """A header cleanart cannot read; ``line`` is 1-based in the input file."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class RuleError(CleanartError, ValueError):
    """A mistake in a rule file, with the file and 1-based line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class DecodeError(CleanartError, ValueError):
    """Bytes that are not text in any encoding (an image, an archive, NULs)."""


class OutputError(CleanartError, OSError):
    """An output that cannot be written (a full disk, a file size limit, a closed pipe)."""


class UsageError(CleanartError):
    """A request the command line cannot carry out as given (exit status 2)."""


class StrictError(CleanartError):
    """``strict=True`` (``--strict``): the input converted, but with warnings."""

    def __init__(self, warnings: list[CleanartWarning]):
        self.warnings = list(warnings)
        super().__init__("; ".join(self.warnings) + " (--strict)")


class CleanartWarning(str):
    """A problem that does not stop the input: ``code``, ``message`` and ``line`` (or None)."""

    code: str
    message: str
    line: int | None

    def __new__(cls, code: str, message: str, line: int | None = None) -> CleanartWarning:
        self = super().__new__(cls, f"line {line}: {message}" if line else message)
        self.code, self.message, self.line = code, message, line
        return self

    def __reduce__(self):  # worker processes send warnings back pickled
        return (type(self), (self.code, self.message, self.line))

    def __repr__(self) -> str:
        return f"CleanartWarning({self.code!r}, {self.message!r}, {self.line!r})"


# Exit statuses of the command line.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
