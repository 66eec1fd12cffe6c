"""One check or pack of a table, and everything it starts: the check pool, the read-ahead thread (and with
it the reader's parse pool), the email worker, the spill files of the cross-row checks and the caller's
tasks on :meth:`Run.background`. All of it is stopped or deleted when the run's ``with`` block ends,
whether it returns or raises."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TypeVar

from csvprep.engine.pipeline import Judged, judge
from csvprep.engine.planning import Plan
from csvprep.engine.validate import Validator
from csvprep.reader import Table

T = TypeVar("T")

CHECK_THREADS = 2
"""Threads that run the columns' passes: the read-ahead thread and the judging thread keep the rest busy."""


class Run:
    """``with Run(table, plan) as run: for judged in run.judged(): ...``"""

    def __init__(self, table: Table, plan: Plan) -> None:
        self.table = table
        self.plan = plan
        self._stack = contextlib.ExitStack()
        self._validator: Validator | None = None
        self._background: ThreadPoolExecutor | None = None

    def __enter__(self) -> Run:
        stack = self._stack
        pool = stack.enter_context(ThreadPoolExecutor(CHECK_THREADS, thread_name_prefix="csvprep-check"))
        if self.plan.emails is not None:
            stack.callback(self.plan.emails.close)
        self._validator = Validator(self.plan, pool)
        stack.callback(self._validator.close)
        stack.callback(self.table.close)  # unread batches: the reader's pool and file
        return self

    def judged(self) -> Iterator[Judged]:
        """The table's batches, judged, in order (once per run)."""
        if self._validator is None:
            raise RuntimeError("Run.judged() needs the run opened: use it in a 'with Run(...)' block")
        batches = judge(self.table, self._validator)
        self._stack.callback(batches.close)
        return batches

    def background(self, fn: Callable[..., T], *args: object) -> Future[T]:
        """``fn(*args)`` on a thread of the run's (joined when the run ends), as a future."""
        if self._background is None:
            self._background = self._stack.enter_context(
                ThreadPoolExecutor(1, thread_name_prefix="csvprep-background")
            )
        return self._background.submit(fn, *args)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()
