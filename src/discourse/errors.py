"""One error model for the toolkit.

Every error that a user can fix (a bad config value, a missing or malformed input file, a
design that does not match its codes, a run folder that is not one) is a
:class:`DiscourseError`. The CLI turns exactly these into one ``error: <message>`` line and
exit code 1; any other exception is a bug and keeps its traceback.

``ConfigError`` and ``InputError`` are also :class:`ValueError`, and ``MissingInputError`` a
:class:`FileNotFoundError`, so ``except ValueError`` callers keep working. Each class has a
stable ``code`` (``D001``, ...) to search for in the docs and the issue tracker.

A stage that cannot run on these inputs (e.g. too few segments for topic models) raises
:class:`StageSkipped`; the pipeline records its ``reason`` in the manifest and goes on.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DiscourseError",
    "InputError",
    "MissingInputError",
    "StageSkipped",
]


class DiscourseError(Exception):
    """Base of every error a user can act on (see the module docstring)."""

    code = "D000"


class ConfigError(DiscourseError, ValueError):
    """A configuration file or value (config TOML, codebook, sources file) is invalid."""

    code = "D001"


class InputError(DiscourseError, ValueError):
    """User input is malformed: an input file, a CSV of codes, a sample design, a weights
    file, a run folder or a command-line value."""

    code = "D002"


class MissingInputError(InputError, FileNotFoundError):
    """A file or folder the user named (or a run folder's expected file) does not exist."""

    code = "D003"


class StageSkipped(DiscourseError):
    """A stage cannot run on these inputs (not an error of the run); ``reason`` says why."""

    code = "D004"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
