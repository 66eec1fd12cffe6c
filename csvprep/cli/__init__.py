"""The ``csvprep`` command: only this package knows click, flags and terminals.

Exit codes: 0 = no errors (warnings allowed), 1 = errors found, 2 = could not run (bad usage, unreadable
file, broken schema), with a one-line message and no traceback.
"""

from __future__ import annotations

from csvprep.cli.commands import cli, main
from csvprep.cli.process import exit_now, tune_process

__all__ = ["cli", "main", "run", "tune_process"]


def run() -> None:
    """The ``csvprep`` console script (and ``python -m csvprep``): a process of its own."""
    tune_process()
    exit_now(main())
