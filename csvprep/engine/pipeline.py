"""The batch loop shared by check and pack: batches are read and their columns checked one batch ahead,
on a read-ahead thread, while this thread finds the cross-row issues and hands each judged batch on."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from csvprep import codes
from csvprep.engine.planning import RESERVED_COLUMNS
from csvprep.engine.typed import column_kinds, with_bad_cells
from csvprep.engine.validate import Prepared, Validator
from csvprep.reader import Batch, MalformedRow, Table
from csvprep.report import Issue, IssueBatch
from csvprep.rules.formula import restore_batch

T = TypeVar("T")

LARGE_INPUT = 16 << 20
"""Bytes of input from which the rules' expensive judges are started before the first batch is read."""

PREVIEW_CHARS = 200
"""Characters of a malformed row echoed in its issue."""


@dataclass(frozen=True, slots=True)
class Judged:
    """One batch with its verdict."""

    batch: Batch
    issues: IssueBatch
    error_rows: np.ndarray
    """Row numbers (sorted, unique) of the batch's well-formed rows with at least one error."""


def judge(table: Table, validator: Validator) -> Generator[Judged, None, None]:
    """Validate each batch of ``table``; malformed rows become row issues (and count as rows with errors).

    Closing the iterator stops the read-ahead thread and closes the table's batches.
    """
    if table.size is not None and table.size >= LARGE_INPUT:
        validator.start_judges()
    if table.typing is not None:  # a typed input's values become text by the field each column goes to
        table.typing.kinds.update(column_kinds(validator.plan))
    reserved = [i for i, h in enumerate(table.header) if h in RESERVED_COLUMNS]
    batches = _restored(table.batches, reserved) if reserved else table.batches
    width = len(table.header)
    ahead: Generator[tuple[Batch, Prepared], None, None] = readahead(_prepared(batches, validator), depth=1)
    try:
        yield from _verdicts(ahead, validator, width)
    finally:
        ahead.close()  # joins the read-ahead thread now, not when the generator is collected


def _verdicts(ahead: Iterator[tuple[Batch, Prepared]], validator: Validator, width: int) -> Iterator[Judged]:
    for batch, prepared in ahead:
        yield _verdict(batch, prepared, validator, width)
        del batch, prepared  # not held while the next batch is awaited


def _verdict(batch: Batch, prepared: Prepared, validator: Validator, width: int) -> Judged:
    """One batch judged: its cells' and cross-row issues, and its malformed rows as row issues."""
    issues = validator.validate(batch, prepared)
    if batch.bad:
        issues = with_bad_cells(issues, batch, validator.plan)
    if batch.malformed:
        extra = IssueBatch.from_issues(_malformed_issues(batch.malformed, width))
        issues = IssueBatch.concat([issues, extra]) if len(issues) else extra
    if len(issues):
        error_rows = np.unique(issues.rows[issues.is_error])
        if batch.malformed:
            error_rows = np.setdiff1d(error_rows, [m.row for m in batch.malformed])
    else:
        error_rows = np.array([], dtype=np.int64)
    return Judged(batch, issues, error_rows)


def _malformed_issues(rows: Sequence[MalformedRow], width: int) -> list[Issue]:
    out = []
    for m in rows:
        c = codes.get(m.code)
        preview = ",".join(m.fields)
        value = preview if len(preview) <= PREVIEW_CHARS else preview[: PREVIEW_CHARS - 3] + "..."
        fields = {"actual": len(m.fields), "expected": width, **m.details}
        message = c.render(column=None, value=value, **fields)
        out.append(Issue(m.row, None, m.code, c.severity, value, message))
    return out


def _close(items: Iterator[object]) -> None:
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _restored(batches: Iterator[Batch], reserved: Sequence[int]) -> Iterator[Batch]:
    """The batches of csvprep's own rejects file with the quotes it put before formulas taken off."""
    try:
        for batch in batches:
            yield restore_batch(batch, reserved)
    finally:
        _close(batches)


def _prepared(batches: Iterator[Batch], validator: Validator) -> Iterator[tuple[Batch, Prepared]]:
    try:
        for batch in batches:
            yield batch, validator.prepare(batch)
            del batch  # not held while the next batch is read
    finally:
        _close(batches)


_END = object()
_POLL_SECONDS = 0.1
"""How often a producer blocked on a full queue looks whether the consumer has stopped."""


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


def readahead(items: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """``items``, produced by a background thread up to ``depth`` ahead of the consumer.

    pyarrow parses a block without the GIL, so block N+1 is parsed on the second core while batch N is
    checked; ``depth`` bounds the batches held in memory. Errors of the producer surface in the consumer;
    a consumer that stops early stops the producer (and closes its generator, in the producer's thread),
    and the thread is joined before this generator ends.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(x: object) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put(x):
                    break
                del x  # not held while the next item is produced
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(_Failed(e))
            return
        finally:
            if stop.is_set():
                _close(items)
        put(_END)

    worker = threading.Thread(target=produce, name="csvprep-readahead", daemon=True)
    worker.start()
    try:
        while True:
            x = q.get()
            if x is _END:
                return
            if isinstance(x, _Failed):
                raise x.error
            yield x  # type: ignore[misc]
            del x  # not held while the next item is awaited
    finally:
        stop.set()
        worker.join()
