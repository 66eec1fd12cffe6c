"""The Python API's front door: each argument's type and range, checked once before any work.

One policy: a wrong argument is a :class:`csvprep.errors.UsageError` (a ``CsvprepError``, as is every
refusal to run) whose one-line message names the argument, what it takes and what it got. The CLI's
options arrive already typed by click, so these checks matter to Python callers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from csvprep.errors import UsageError
from csvprep.reader import is_arrow_stream, is_dataframe, is_file_object
from csvprep.schema import ModuleSchema

_PATH = (str, os.PathLike)
_SHOWN = 40
"""Characters of a wrong argument's repr shown in the message."""


def _got(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= _SHOWN else text[:_SHOWN] + '...'}"


def _check(name: str, value: object, types: tuple[type, ...], what: str) -> None:
    # bool is an int to Python, never a count or a size to csvprep.
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise UsageError(f"{name} must be {what}, not {_got(value)}")


def _text(args: Mapping[str, Any], *names: str) -> None:
    for name in names:
        _check(name, args[name], (str, type(None)), "a str or None")


def _flags(args: Mapping[str, Any], *names: str) -> None:
    for name in names:
        _check(name, args[name], (bool,), "True or False")


def _whole(name: str, value: object, low: int) -> None:
    _check(name, value, (int,), f"a whole number (int) of at least {low}")
    if value < low:  # type: ignore[operator]  # an int, checked above
        raise UsageError(f"{name} must be a whole number of at least {low}, not {value}")


def check_source(source: object) -> None:
    """A path, a DataFrame whose column names are text, an Arrow table or stream, or a file object."""
    if is_dataframe(source):
        _check_frame(source)
    elif not (is_arrow_stream(source) or is_file_object(source)):
        _check(
            "source",
            source,
            _PATH,
            "a file path (str or os.PathLike), a binary file object, a pandas DataFrame or an Arrow table",
        )


def _check_frame(df: Any) -> None:
    from pandas.api.types import infer_dtype

    for c in df.columns:
        if isinstance(c, (bytes, bytearray)):
            raise UsageError(f"DataFrame column name {c!r} is bytes: decode the column names to str")
        if isinstance(c, str) and not _is_text(c):
            raise UsageError(f"DataFrame column name {c!a} holds a lone surrogate: it is not text")
    for j, (name, s) in enumerate(df.items()):
        if s.dtype != object:
            continue
        kind = infer_dtype(s, skipna=True)  # one C pass; only mixed columns are looked at cell by cell
        if kind == "bytes" or (kind.startswith("mixed") and _holds_bytes(s)):
            row = next(i for i, v in enumerate(s) if isinstance(v, (bytes, bytearray)))
            raise UsageError(
                f"DataFrame column '{name}' (column {j + 1}) holds bytes in row {row + 2}: "
                "decode the values to str (csvprep judges text, as Zoho stores it)"
            )


def _is_text(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _holds_bytes(values: Iterable[object]) -> bool:
    return any(isinstance(v, (bytes, bytearray)) for v in values)


def check_arguments(args: Mapping[str, Any]) -> None:
    """The arguments shared by ``check`` and ``pack`` (by name, as passed)."""
    check_source(args["source"])
    _text(args, "module", "find_by", "encoding", "delimiter", "sheet", "tz")
    _check(
        "schema",
        args["schema"],
        (*_PATH, ModuleSchema, type(None)),
        "a fields JSON path, a ModuleSchema (csvprep.load_schema) or None",
    )
    _check("layout", args.get("layout"), (*_PATH, type(None)), "a layouts JSON path or None")
    _check("operation", args["operation"], (str,), "'insert', 'update' or 'upsert'")
    _flags(args, "ignore_empty")
    _check("detect_formats", args.get("detect_formats", False), (bool,), "True or False")
    if args["keep"] is not None:
        _whole("keep", args["keep"], 0)
    for sink in args.get("sinks", ()):
        if not (callable(getattr(sink, "write", None)) and callable(getattr(sink, "close", None))):
            raise UsageError(f"each of sinks must have write(batch) and close(summary), not {_got(sink)}")
    progress: Callable[..., object] | None = args.get("progress")
    if progress is not None and not callable(progress):
        raise UsageError(f"progress must be a function (rows, bytes) or None, not {_got(progress)}")


def check_pack_arguments(args: Mapping[str, Any]) -> None:
    """``pack``'s own arguments, then the shared ones."""
    _check("out_dir", args["out_dir"], _PATH, "a directory path (str or os.PathLike)")
    for name in ("max_rows", "max_zip_bytes", "max_csv_bytes", "compression"):
        _check(name, args[name], (int,), "a whole number (int)")
    _flags(args, "force")
    check_arguments(args)
