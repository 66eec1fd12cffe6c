"""email-validator's verdicts: the worker process answers exactly as this process would, and its failures
fall back to judging here without losing an answer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csvprep
from csvprep.engine import LARGE_INPUT, Job, Validator, judge, plan
from csvprep.reader import Batch, Table
from csvprep.rules import EmailJudge, emailworker
from csvprep.rules.emailworker import WORKER_MIN
from csvprep.schema import shipped_schema

TRICKY = [
    "ana@example.com",
    "@example.com",
    "ana@@example.com",
    "ana..b@example.com",
    "ana b@example.com",
    '"ana b"@example.com',
    "ana@example",
    "ana@exam_ple.com",
    "josé@exemple.fr",
    "ana@xn--bcher-kva.example",
    "ana@bücher.example",
    "ana@example.test",
    "a" * 65 + "@example.com",
    "line\nbreak@example.com",
    "tab\t@example.com",
    "ana@example.com.",
    "",
    "\u00a0ana@example.com",
    "ana@[192.168.0.1]",
    "😀@example.com",
]


def test_worker_answers_as_this_process() -> None:
    v = EmailJudge(worker_min=1)
    try:
        v.prefetch(["first@example.com"])  # judged here while the worker boots
        assert v._worker is not None and v._worker.answered == 0
        v.prefetch(TRICKY)  # sent, not waited for
        v.settle()
        assert v._worker.answered == len(TRICKY) and not v._broken
        assert [v.verdict(x) for x in TRICKY] == [emailworker.judge(x) for x in TRICKY]
    finally:
        v.close()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=30))
def test_worker_round_trips_any_text(values: list[str]) -> None:
    v = EmailJudge(worker_min=1)
    try:
        v.prefetch(["first@example.com"])
        v.prefetch(values)
        assert not v._broken
        assert [v.verdict(x) for x in values] == [emailworker.judge(x) for x in values]
    finally:
        v.close()


def test_worker_that_cannot_start_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emailworker.sys, "executable", "/nonexistent/python")
    v = EmailJudge(worker_min=1)
    v.prefetch(TRICKY)
    assert v._broken and v._worker is None
    assert [v.verdict(x) for x in TRICKY] == [emailworker.judge(x) for x in TRICKY]


def test_worker_that_dies_falls_back() -> None:
    v = EmailJudge(worker_min=1)
    try:
        v.prefetch(TRICKY[:2])
        v.prefetch(TRICKY[2:4])
        v.settle()
        assert v._worker is not None and v._worker.answered == 2
        v.prefetch(TRICKY[4:6])  # sent; the worker dies before it answers
        v._worker._proc.kill()
        v._worker._proc.wait()
        v.prefetch(TRICKY[6:])
        v.settle()
        assert v._broken
        assert [v.verdict(x) for x in TRICKY] == [emailworker.judge(x) for x in TRICKY]
    finally:
        v.close()


def test_a_started_worker_answers_every_request() -> None:
    """Started ahead, the worker answers the first request, and small ones too (WORKER_MIN only decides
    when to start it)."""
    v = EmailJudge(worker_min=64)
    try:
        v.start()
        v.start()  # once
        worker = v._worker
        assert worker is not None
        v.prefetch(TRICKY)
        v.settle()
        assert v._worker is worker and worker.answered == len(TRICKY)
        assert [v.verdict(x) for x in TRICKY] == [emailworker.judge(x) for x in TRICKY]
    finally:
        v.close()


def test_judge_starts_the_workers_for_a_large_input_only(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    emails = EmailJudge()
    monkeypatch.setattr(emails, "start", lambda: started.append(1))
    job = Job(schema=shipped_schema("Contacts"))
    header = ["Last_Name", "Email", "Secondary_Email"]
    for size, expected in ((LARGE_INPUT - 1, []), (LARGE_INPUT, [1]), (None, [])):
        started.clear()
        table = Table(header=header, batches=iter(()), size=size)
        assert list(judge(table, Validator(plan(header, job, emails)))) == []
        assert started == expected  # one start for the two email columns


def test_small_requests_stay_in_process() -> None:
    v = EmailJudge(worker_min=64)
    v.prefetch(TRICKY)
    assert v._worker is None
    assert [v.verdict(x) for x in TRICKY] == [emailworker.judge(x) for x in TRICKY]


def test_memo_is_bounded_and_keeps_the_newest() -> None:
    v = EmailJudge(size=8, worker_min=1000)
    v.prefetch([f"u{i}@example.com" for i in range(6)])
    v.prefetch([f"u{i}@example.com" for i in range(6, 12)])
    assert list(v._memo) == [f"u{i}@example.com" for i in range(4, 12)]
    # One request larger than the memo is kept whole: its batch is about to ask for every verdict.
    v.prefetch([f"w{i}@example.com" for i in range(20)])
    assert len(v._memo) == 20
    v.prefetch(["new@example.com"])
    assert list(v._memo) == [*(f"w{i}@example.com" for i in range(13, 20)), "new@example.com"]


def test_an_address_in_every_batch_stays_memoised() -> None:
    """A bad address that repeats in every batch (``@gmail.com``) is remembered again each time, so it
    never ages out and is never judged twice."""
    judged: list[str] = []
    v = EmailJudge(size=8, worker_min=1000)
    real = emailworker.judge
    try:
        emailworker.judge = lambda x: judged.append(x) or real(x)  # type: ignore[assignment]
        for batch in range(10):
            v.prefetch(["@gmail.com", *(f"u{batch}.{i}@example.com" for i in range(5))])
        assert judged.count("@gmail.com") == 1
        assert "@gmail.com" in v._memo
        v.verdict("@gmail.com")
        assert judged.count("@gmail.com") == 1
    finally:
        emailworker.judge = real


def test_prefetch_runs_with_the_accept_passes_and_changes_no_verdict() -> None:
    """Validator.prepare hands the email column's suspects to the rule's prefetch; validate then finds
    the same issues as with every verdict judged on the spot."""
    job = Job(schema=shipped_schema("Contacts"))
    header = ["Last_Name", "Email"]
    values = TRICKY * 5
    table = pa.table({"Last_Name": ["x"] * len(values), "Email": values})
    batch = Batch(table, pa.array(range(2, 2 + len(values))).to_numpy())
    v = Validator(plan(header, job))
    prepared = v.prepare(batch)
    ahead = v.validate(batch, prepared)
    fresh = Validator(plan(header, job)).validate_pandera(batch)
    assert list(ahead.rows) == list(fresh.rows)
    assert list(ahead.codes) == list(fresh.codes)
    assert list(ahead.messages) == list(fresh.messages)
    assert "invalid-email" in set(ahead.codes)


def test_a_forked_process_starts_its_own_worker() -> None:
    """After fork the parent's worker pipes are not the child's to use: the child starts its own worker
    and gets the same verdicts, and the parent's worker still answers the parent."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    v = EmailJudge(worker_min=1)
    _FORKED[:] = [v]
    try:
        v.prefetch(["boot@example.com"])
        v.prefetch(TRICKY[:5])
        v.settle()
        parent_worker = v._worker
        assert parent_worker is not None and parent_worker.answered == 5
        with multiprocessing.get_context("fork").Pool(1) as pool:
            child = pool.apply(_judged_in_a_fork, (TRICKY[5:],))
        assert child == [emailworker.judge(x) for x in TRICKY[5:]]
        v.prefetch(["after@example.com", "after@@example.com"])
        v.settle()
        assert v._worker is parent_worker and parent_worker.answered == 7
    finally:
        v.close()


_FORKED: list[EmailJudge] = []  # handed to the forked child by fork itself (it holds locks and pipes)


def _judged_in_a_fork(values: list[str]) -> list[str | None]:
    v = _FORKED[0]
    v.prefetch(["boot-child@example.com"])  # starts the child's own worker (judged here meanwhile)
    v.prefetch(values)
    v.settle()
    assert v._worker is not None and v._worker.answered == len(values)
    return [v.verdict(x) for x in values]


def test_prefetch_does_not_wait_and_verdict_does() -> None:
    """A prefetch to a running worker only sends the request; the first verdict it lacks waits for the
    answers (Validator.prepare runs the other accept passes meanwhile)."""
    v = EmailJudge(worker_min=64)
    try:
        v.start()
        v.prefetch(TRICKY)
        assert v._worker is not None and v._worker.answered == 0 and len(v._pending) == 1
        assert v.verdict(TRICKY[1]) == emailworker.judge(TRICKY[1])
        assert not v._pending and v._worker.answered == len(TRICKY)
    finally:
        v.close()


def _children() -> set[int]:
    """The pids of this process's live children (Linux /proc)."""
    return {int(p) for f in Path("/proc/self/task").glob("*/children") for p in f.read_text().split()}


_PROC = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts children through Linux /proc")
_DOUBTFUL = [f"user{i}@@example.com" for i in range(2 * WORKER_MIN)]
"""Enough addresses the strict pattern cannot clear for one batch's prefetch to start the worker."""


@_PROC
def test_check_and_pack_leave_no_email_worker_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real = emailworker._Worker.__init__

    def spy(worker: emailworker._Worker) -> None:
        real(worker)
        started.append(worker._proc.pid)

    monkeypatch.setattr(emailworker._Worker, "__init__", spy)
    frame = pd.DataFrame({"Last_Name": ["x"] * len(_DOUBTFUL), "Email": _DOUBTFUL}, dtype="str")
    before = _children()
    report = csvprep.check(frame, module="Contacts")
    assert sum(i.code == "invalid-email" for i in report.issues) == len(_DOUBTFUL)
    result = csvprep.pack(frame, tmp_path / "out", module="Contacts")
    assert result.totals.rows_rejected == len(_DOUBTFUL)
    assert len(started) == 2  # a worker for each run, stopped when the run ended
    assert _children() <= before


@_PROC
def test_a_plan_without_a_judge_judges_in_process() -> None:
    job = Job(schema=shipped_schema("Contacts"))
    table = pa.table({"Email": _DOUBTFUL})
    batch = Batch(table, pa.array(range(2, 2 + len(_DOUBTFUL))).to_numpy())
    before = _children()
    issues = Validator(plan(["Email"], job)).validate(batch)
    assert list(issues.codes) == ["invalid-email"] * len(_DOUBTFUL)
    assert _children() <= before


def test_a_closed_judge_still_answers_and_starts_no_worker() -> None:
    with EmailJudge(worker_min=1) as v:
        v.prefetch(TRICKY[:3])
        v.settle()
    v.prefetch(TRICKY)
    assert v._worker is None
    assert [v.verdict(x) for x in TRICKY] == [emailworker.judge(x) for x in TRICKY]
