"""Tuning of the ``csvprep`` command's own process: nothing here runs for a program that imports csvprep.

Measurements behind each choice are in docs/performance.md.
"""

from __future__ import annotations

import importlib.abc
import os
import signal
import sys
from contextlib import suppress

STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class Stopped(BaseException):
    """A stop signal (SIGTERM, SIGHUP) arrived: unwind, so every ``finally`` removes what the run began."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _NoPandas(importlib.abc.MetaPathFinder):
    """Finds no pandas: the command line runs pyarrow as on an install without pandas."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(f"{name} is not loaded by the csvprep command")


def tune_process() -> None:
    """Make the process the command's own: signals, imports and Arrow's allocator.

    - SIGXFSZ is ignored, so a write past ``ulimit -f`` fails with EFBIG (one line) instead of killing the
      process mid-write; SIGTERM and SIGHUP raise :class:`Stopped`, so every ``finally`` cleans up.
    - pandas is kept out: pyarrow imports it only to learn whether values could be pandas objects, and the
      command never hands it one (files in, files out); a process that already has pandas is left alone.
    - Arrow allocates with jemalloc where pyarrow has it, unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses:
      mimalloc, pyarrow's default, keeps freed pages resident.
    """
    with suppress(AttributeError):  # no such signal on Windows
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for name in STOP_SIGNALS:
        with suppress(AttributeError):
            signal.signal(getattr(signal, name), _raise_stopped)
    if "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        import pyarrow as pa

        with suppress(NotImplementedError):  # a build without jemalloc (Windows) keeps its default
            pa.set_memory_pool(pa.jemalloc_memory_pool())


def _raise_stopped(signum: int, frame: object) -> None:
    for name in STOP_SIGNALS:  # a second signal must not interrupt the cleanup of the first
        with suppress(AttributeError):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Stopped(signum)


def exit_now(code: int) -> None:
    """End the process without tearing the interpreter down, as mypy does: every output is closed by now.

    The spill files of duplicate keys are unlinked already, and the email worker stops when its pipe closes.
    """
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe or stream: nothing can reach it
            stream.flush()
    os._exit(code)
