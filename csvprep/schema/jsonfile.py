"""Read a JSON document the user names (an org's fields or layouts response): bounded, one-line errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csvprep.errors import SchemaError

MAX_JSON_BYTES = 64 << 20
"""Far above any real Zoho metadata response; stops ``/dev/zero`` or a wrong file from filling memory."""


def read_json(
    path: str | os.PathLike[str],
    what: str,
    response: str,
    parse_int: Callable[[str], Any] | None = None,
) -> Any:
    """The document at ``path``; ``what`` names it in errors (``schema``), ``response`` says what it should
    be (``a Zoho fields response``). Raises :class:`SchemaError` with one line for any failure."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_JSON_BYTES + 1)
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise SchemaError(f"{what} file not found: {p}") from None
    except IsADirectoryError:
        raise SchemaError(f"{what} path is a directory, not a JSON file: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SchemaError(f"cannot read {what} {p}: {e}") from None
    if len(data) > MAX_JSON_BYTES:
        raise SchemaError(f"{what} {p} is larger than {MAX_JSON_BYTES >> 20} MB: not {response}")
    try:
        return json.loads(text, parse_int=parse_int)
    except json.JSONDecodeError as e:
        raise SchemaError(f"{what} {p} is not valid JSON: {e.msg} at line {e.lineno}") from None
    except RecursionError:
        raise SchemaError(f"{what} {p} nests too deeply to be {response}") from None
    except ValueError as e:  # an integer too long to convert
        raise SchemaError(f"{what} {p} is not {response}: {e}") from None
