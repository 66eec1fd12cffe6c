"""After ``check()`` or ``pack()`` returns or raises, no thread or process it started is left running."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import csvprep
from csvprep.rules.emailworker import WORKER_MIN

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts children in /proc")


class Interrupted(Exception):
    """Raised by a progress callback: the run stops midway."""


def _children() -> set[int]:
    """This process's live child processes (the email worker is one)."""
    me, out = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == me and fields[0] != "Z":
            out.add(int(entry))
    return out


def _threads() -> set[int]:
    return {t.ident for t in threading.enumerate() if t.ident is not None}


def _emails_csv(path: Path) -> Path:
    # Addresses the strict pattern cannot clear, enough of them that email-validator's worker starts.
    rows = [f"Name{i},josé{i}@exemple.fr" for i in range(4 * WORKER_MIN)]
    path.write_text("Last_Name,Email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _stop(rows: int, done: int) -> None:
    raise Interrupted


@pytest.fixture
def baseline() -> tuple[set[int], set[int]]:
    return _threads(), _children()


def _assert_nothing_left(baseline: tuple[set[int], set[int]]) -> None:
    threads, children = baseline
    assert _threads() - threads == set()
    assert _children() - children == set()


def test_check_leaves_no_thread_or_process(tmp_path: Path, baseline: tuple[set[int], set[int]]) -> None:
    report = csvprep.check(_emails_csv(tmp_path / "in.csv"), module="Contacts")
    assert report.summary.rows_read == 4 * WORKER_MIN
    _assert_nothing_left(baseline)


def test_pack_leaves_no_thread_or_process(tmp_path: Path, baseline: tuple[set[int], set[int]]) -> None:
    result = csvprep.pack(_emails_csv(tmp_path / "in.csv"), tmp_path / "out", module="Contacts")
    assert result.totals.rows_in == 4 * WORKER_MIN
    _assert_nothing_left(baseline)


def test_check_that_raises_midway_leaves_no_thread_or_process(
    tmp_path: Path, baseline: tuple[set[int], set[int]]
) -> None:
    with pytest.raises(Interrupted):
        csvprep.check(_emails_csv(tmp_path / "in.csv"), module="Contacts", progress=_stop)
    _assert_nothing_left(baseline)


def test_pack_that_raises_midway_leaves_no_thread_or_process(
    tmp_path: Path, baseline: tuple[set[int], set[int]]
) -> None:
    with pytest.raises(Interrupted):
        csvprep.pack(_emails_csv(tmp_path / "in.csv"), tmp_path / "out", module="Contacts", progress=_stop)
    _assert_nothing_left(baseline)
    assert not (tmp_path / "out").exists()
