"""Values made safe to show to a person: every invisible or control character is spelled out.

A header or a cell can hold terminal escape sequences (clear the screen, retitle the window, write the
clipboard with OSC 52), bidi overrides that reorder what is shown, or characters that show as nothing.
Whatever csvprep prints for a person goes through :func:`printable`; machine formats (JSON, CSV reports,
``rejects.csv``) keep the exact value.
"""

from __future__ import annotations

_BYTE, _BMP = 0xFF, 0xFFFF
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    n = ord(ch)
    if n <= _BYTE:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n <= _BMP else f"\\U{n:08x}"


def printable(text: str) -> str:
    """``text`` with every character ``str.isprintable`` rejects (controls, format characters such as
    bidi overrides and zero-width spaces, separators other than the space) written as ``\\x1b``,
    ``\\u202e`` or ``\\U000e0001`` (and ``\\n``, ``\\r``, ``\\t``)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
