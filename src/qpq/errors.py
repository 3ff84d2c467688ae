"""The exceptions every lens raises, and the exit codes the CLI maps them to.

Two kinds of failure matter to a user: their input was wrong (exit code 2: a malformed case
file, an unknown parameter, a value out of range) or the work itself failed (exit code 1).
Every message is a plain sentence that names the file, field and what is allowed. Work the
user stopped (Ctrl-C; SIGTERM where a command turns it into one) exits 130, the shell's
code for SIGINT, never 0: a script that chains commands must not take an interrupted report
or run for a finished one. ``qpq explore status`` alone also exits 3: its store is intact but
not finished (still running, interrupted or failed); a damaged store there is bad input, 2,
as it is to ``explore query`` and ``export``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILURE", "EXIT_INCOMPLETE", "EXIT_INTERRUPTED",
           "BadInputError", "Interrupted", "Problem", "QpqError", "os_error_text"]

EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    message: str
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class QpqError(Exception):
    """A failure of the work itself (exit code 1)."""

    exit_code = EXIT_FAILURE


class BadInputError(QpqError):
    """The user's input is wrong (exit code 2); carries one :class:`Problem` per fault."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = tuple(problems)
        lines = [message, *(f"  - {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


def os_error_text(exc: OSError) -> str:
    """A file system's refusal as "PATH: reason" (or its own text where it names no path)."""
    return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)


class Interrupted(QpqError):
    """The user stopped the work: Ctrl-C, or SIGTERM where a command catches it (exit 130)."""

    exit_code = EXIT_INTERRUPTED
