"""How to read an input: the options a user may give, declared once and passed whole."""

from __future__ import annotations

from dataclasses import dataclass

from csvprep.errors import UsageError
from csvprep.reader.values import tz_option

_TAB_NAMES = {"tab": "\t", "\\t": "\t", "TAB": "\t"}


def delimiter_option(value: str) -> str:
    """``delimiter=``: any one character but a quote or a line break (ASCII's unit and record separators
    too); ``tab`` or ``\\t`` for a tab."""
    d = _TAB_NAMES.get(value, value)
    if len(d) != 1 or d in '\r\n"':
        raise UsageError(
            f"delimiter= must be one character other than a quote or a line break, such as , ; | : or "
            f"tab, not {value!r}"
        )
    return d


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the user said about the input; None leaves it to detection (or to the first sheet)."""

    encoding: str | None = None
    """A Python codec name for a CSV (``cp1252``, ``utf-16``...)."""
    delimiter: str | None = None
    """A CSV's delimiter: one character, or ``tab``."""
    sheet: str | None = None
    """The sheet of a workbook to read."""
    tz: str | None = None
    """A typed input's UTC offset (``+05:30``) for date-times without a time zone."""

    def __post_init__(self) -> None:
        if self.tz is not None:
            tz_option(self.tz)

    def refuse(self, what: str, *names: str) -> None:
        """UsageError when an option in ``names`` is given: it does not apply to ``what``."""
        given = [n for n in names if getattr(self, n) is not None]
        if given:
            which = " and ".join(f"{n}=" for n in given)
            raise UsageError(f"{which} {'does' if len(given) == 1 else 'do'} not apply to {what}")
