"""email-validator's verdicts on addresses: memoised, and judged in bulk by a worker process.

email-validator decides every address the strict pattern of :mod:`csvprep.rules.emails` cannot clear. It is
pure Python and holds the GIL, on the thread every batch waits for. So :meth:`EmailJudge.prefetch` (called
one batch ahead, on the reader's thread) hands a batch's doubtful addresses to a worker process running this
same file, which judges them on another core, and memoises the answers for :meth:`EmailJudge.verdict`. The
worker is started on the first large request (which is judged here while it boots), or by
:meth:`EmailJudge.start` before a large input is read; :meth:`EmailJudge.close` (or leaving the ``with``
block) stops it. If it cannot start or dies, the addresses are judged here. Run as a script, this module is
the worker: it imports nothing of csvprep.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO

MEMO_SIZE = 8192
"""Verdicts kept: two batches' doubtful addresses with room to spare; a memo that grew with the file would
grow without bound (issue #5)."""

_EXIT_WAIT = 2.0
"""Seconds the worker gets to finish its last answer once its stdin is closed, before it is killed."""

WORKER_MIN = 64
"""Fewer doubtful addresses than this are judged here: not worth a process for a small file."""


def judge(value: str) -> str | None:
    """None when email-validator accepts the address (syntax only, no DNS), else its reason."""
    # Imported here: this process needs it only for the rare address the worker did not judge.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        return str(e).rstrip(".")
    return None


class _Worker:
    """A child process that answers one JSON line of addresses with one JSON line of verdicts."""

    def __init__(self) -> None:
        # -P: the worker's own folder (csvprep/) must not shadow modules of the standard library.
        self._proc = subprocess.Popen(
            [sys.executable, "-P", __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            encoding="utf-8",
        )
        self.answered = 0

    def send(self, values: Sequence[str]) -> bool:
        """Hand the worker a request (answered in order: :meth:`receive`); False when it is gone."""
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(list(values)) + "\n")
            stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def receive(self, values: Sequence[str]) -> list[str | None] | None:
        """The verdicts of the oldest request not received yet (``values``), or None when the worker is
        gone."""
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            line = stdout.readline()
        except (OSError, ValueError):
            return None
        if not line:
            return None
        try:
            answer: list[str | None] = json.loads(line)
        except ValueError:
            return None
        if len(answer) != len(values):
            return None
        self.answered += len(answer)
        return answer

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


class EmailJudge:
    """email-validator's verdicts: a bounded memo, filled here or by a worker process it starts lazily.

    It holds at most ``size`` verdicts, the newest; a single request larger than that is kept whole. With
    ``worker`` False every address is judged in this process and no process is ever started. Use it as a
    context manager (or call :meth:`close`): the worker lives until then.
    """

    def __init__(self, size: int = MEMO_SIZE, worker_min: int = WORKER_MIN, *, worker: bool = True) -> None:
        self._memo: dict[str, str | None] = {}
        self._size = size
        self._worker_min = worker_min
        self._worker: _Worker | None = None
        self._allowed = worker
        self._broken = not worker
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._pending: collections.deque[list[str]] = collections.deque()
        """Requests sent to the worker and not answered yet, oldest first."""
        self._settling = threading.Lock()

    def verdict(self, value: str) -> str | None:
        """email-validator's verdict on one address (memoised; waits for the worker's pending answers)."""
        try:
            return self._memo[value]
        except KeyError:
            pass
        if self._pending:
            self.settle()
            try:
                return self._memo[value]
            except KeyError:
                pass
        answer = judge(value)
        self._remember({value: answer})
        return answer

    def prefetch(self, values: Sequence[str]) -> None:
        """Have the addresses not memoised yet judged: sent to the worker process when it runs, or when
        there are enough of them to start it (without waiting: :meth:`verdict` waits when it needs an
        answer); judged here otherwise."""
        memo = self._memo
        known: dict[str, str | None] = {}
        todo: list[str] = []
        for v in dict.fromkeys(values):
            try:
                known[v] = memo[v]
            except KeyError:
                todo.append(v)
        if todo and not self._send(todo, boot=len(todo) >= self._worker_min):
            known.update(zip(todo, [judge(v) for v in todo], strict=True))
        # Known ones are remembered again, as new: an address in every batch (@gmail.com) must not age out.
        self._remember(known)

    def settle(self) -> None:
        """Wait for the worker's answers to every request sent so far and remember them (when the worker
        is gone meanwhile, the addresses are judged here)."""
        with self._settling:
            while True:
                with self._lock:
                    self._adopt_fork()
                    if not self._pending:
                        return
                    todo, worker = self._pending[0], self._worker
                answers = worker.receive(todo) if worker is not None else None
                if answers is None:
                    with self._lock:
                        self._broken = True
                    answers = [judge(v) for v in todo]
                with self._lock:
                    self._pending.popleft()
                self._remember(dict(zip(todo, answers, strict=True)))

    def start(self) -> None:
        """Start the worker now (a large input is coming): it boots while this process starts up."""
        with self._lock:
            self._running(boot=True)

    def _running(self, boot: bool) -> _Worker | None:
        """The worker when it runs and was running before this call; starts it when ``boot`` and none
        runs. Call with the lock held."""
        self._adopt_fork()
        if self._broken:
            return None
        if self._worker is not None or not boot:
            return self._worker
        try:
            self._worker = _Worker()
        except OSError:
            self._broken = True
            return None
        return None  # booting: the request that started it is judged here meanwhile

    def _adopt_fork(self) -> None:
        """In a forked copy of this process the worker's pipes and the requests in them are the parent's:
        start afresh. Call with the lock held."""
        if self._pid != os.getpid():
            self._worker, self._pid = None, os.getpid()
            self._broken = not self._allowed
            self._pending = collections.deque()

    def _send(self, values: list[str], boot: bool) -> bool:
        """Hand ``values`` to the worker; False when it does not run (then they are judged here)."""
        with self._lock:
            worker = self._running(boot)
            if worker is None:
                return False
            if not worker.send(values):
                self._broken = True
                return False
            self._pending.append(values)  # in the order sent, under the lock: answers come in that order
            return True

    def _remember(self, answers: dict[str, str | None]) -> None:
        with self._lock:
            memo = self._memo
            for value in answers:
                memo.pop(value, None)  # a verdict remembered again becomes the newest
            over = len(memo) + len(answers) - self._size
            if over > 0:  # the oldest go: the batch being judged was prefetched after them
                for old in list(itertools.islice(memo, over)):
                    del memo[old]
            memo.update(answers)

    def __enter__(self) -> EmailJudge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker process and wait for it; the judge still answers, in this process."""
        with self._lock:
            worker, self._worker = self._worker, None
            self._allowed, self._broken = False, True
        if worker is not None and self._pid == os.getpid():  # a fork's copy is the parent's to stop
            worker.close()


def _serve(lines: IO[str], out: IO[str]) -> None:
    for line in lines:
        out.write(json.dumps([judge(v) for v in json.loads(line)]) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve(sys.stdin, sys.stdout)
