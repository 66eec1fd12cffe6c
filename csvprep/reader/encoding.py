"""Find a CSV file's encoding, and turn a non-UTF-8 file into UTF-8 without losing a byte.

Order of evidence: ``encoding=`` (the user knows best); a byte-order mark (UTF-8, UTF-16 and UTF-32 BOMs,
as Excel's "Unicode text" and "CSV UTF-8" exports write them); UTF-16 without a BOM (every other byte NUL);
strict UTF-8 on a sample; else charset-normalizer on the sample. Nothing is ever decoded with
``errors='ignore'`` or ``'replace'``: an undecodable byte is an error that names its offset and
``encoding=``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import IO

from csvprep.errors import InputError

SAMPLE_BYTES = 1 << 20
_UTF8 = frozenset({"utf-8", "utf8", "u8", "utf", "cp65001"})
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bytes that no text file a person exports is made of (C0 controls except tab, LF, FF, CR; and DEL).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive (unpack it first)"),
    (b"7z\xbc\xaf", "a 7-Zip archive (unpack it first)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_OUT = "the packed output is UTF-8"
UTF16_NULS = 0.9
"""Share of one side's bytes that are NUL in UTF-16 text of mostly ASCII (and at most 1 - this the other)."""
BINARY_SHARE, SMALL_BINARY_SHARE, SMALL_SAMPLE = 0.1, 0.3, 1024
"""Share of control bytes from which a sample is binary (small samples need more proof)."""
TRANSCODE_CHUNK = 4 << 20
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls


@dataclass(frozen=True, slots=True)
class Encoding:
    """How to decode a file: the codec, how many BOM bytes to skip, and what to tell the user."""

    name: str
    """Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``cp1252``...)."""
    bom: int = 0
    note: str | None = None

    @property
    def is_utf8(self) -> bool:
        return self.name in ("utf-8", "utf-8-sig")


# Text codecs that do not map bytes to the characters they stand for: the escape codecs rewrite
# backslash sequences (a cell's "\\n" would become a line break), the others are not for file contents.
_NOT_FOR_FILES = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"})


def canonical(name: str) -> str:
    """The codec's canonical Python name; InputError for an unknown one or one that is not a text encoding."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise InputError(f"unknown encoding '{name}' (try utf-8, cp1252, latin-1 or utf-16)") from None
    # _is_text_encoding is False for the bytes-to-bytes codecs (rot13, hex, base64, zlib, bz2, uu).
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FOR_FILES:
        raise InputError(
            f"encoding '{name}' is not a text encoding of a file (try utf-8, cp1252, latin-1 or utf-16)"
        )
    return info.name


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a NUL in every other byte (odd bytes for LE, even for BE)."""
    n = len(head) - len(head) % 2
    if n < 4:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    half = n // 2
    most, few = UTF16_NULS * half, (1 - UTF16_NULS) * half
    if odd.count(0) >= most and even.count(0) <= few:
        return "utf-16-le"
    if even.count(0) >= most and odd.count(0) <= few:
        return "utf-16-be"
    return None


def _byte_order(head: bytes, family: str) -> str:
    """``utf-16`` or ``utf-32`` named without a byte order, on a file without a BOM: the order from the
    text (UTF-16: the side of each pair that holds more NULs, as ASCII characters put them; UTF-32: the
    order that decodes). Little-endian, what Windows writes, when the text cannot tell."""
    if family == "utf-32":
        for order in ("utf-32-le", "utf-32-be"):
            if _decodes(head[: len(head) - len(head) % 4], order):
                return order
        return "utf-32-le"
    n = len(head) - len(head) % 2
    even, odd = head[0:n:2].count(0), head[1:n:2].count(0)
    return "utf-16-be" if even > odd else "utf-16-le"


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(head: bytes) -> bool:
    """Whether a sample that is not valid UTF-8 is UTF-8 with a few stray bytes: its valid multi-byte
    sequences outnumber its invalid bytes. A legacy code page's accented letters (``\xe9``, ``\xfc``) are
    followed by ASCII or by each other, which UTF-8 never is, so such files have next to no valid ones."""
    text = head.decode("utf-8", "surrogateescape")
    bad = len(_STRAY.findall(text))
    valid = len(_NON_ASCII.findall(text))
    return valid >= bad


_STRAY = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _valid_utf8(head: bytes, complete: bool) -> bool:
    try:
        # A sample cut inside a multi-byte character is still UTF-8: final=False keeps the tail pending.
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def binary_kind(head: bytes, delimiter: str | None = None) -> str | None:
    """What a non-text file is (a PDF, an image...), or None when the sample may be text.

    A ``delimiter`` named by the user (ASCII's unit or record separator) is text, not a control byte.
    """
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if not head:
        return None
    own = delimiter.encode() if delimiter is not None and delimiter.isascii() else b""
    control = _CONTROL.replace(own, b"") if own else _CONTROL
    controls = len(head) - len(head.translate(None, control))  # one pass, not a count() per byte
    # A few NULs in a cell are a cell issue; a file made of them is not text. Small files need more proof.
    if controls > (BINARY_SHARE if len(head) >= SMALL_SAMPLE else SMALL_BINARY_SHARE) * len(head):
        return "binary data"
    return None


def detect(
    head: bytes, complete: bool, name: str, override: str | None = None, delimiter: str | None = None
) -> Encoding:
    """The encoding of a file from its first bytes (``complete``: ``head`` is the whole file).

    A sample that is UTF-8 but for a few stray bytes is UTF-8: the reader stops at the first bad byte with
    its offset and row, and the file is never re-read in a code page that would garble its accents.
    """
    if override:
        enc = canonical(override)
        for mark, bom_enc in _BOMS:
            # A BOM of the named codec's family is skipped, never read as a character of the first header.
            family = enc in (bom_enc, bom_enc[:6]) or (enc == "utf-8" and bom_enc == "utf-8-sig")
            if head.startswith(mark) and family:
                note = None if bom_enc == "utf-8-sig" else f"read as {bom_enc} (encoding=); {_OUT}"
                return Encoding(bom_enc, len(mark), note)
        if enc in ("utf-8", "utf-8-sig"):
            return Encoding("utf-8")
        if enc in ("utf-16", "utf-32"):
            # Without a BOM Python's codec would take the machine's byte order; the file's is found instead.
            order = _byte_order(head, enc)
            note = f"read as {order} (encoding='{enc}'; no byte-order mark, byte order from the text); {_OUT}"
            return Encoding(order, 0, note)
        return Encoding(enc, 0, f"read as {enc} (encoding=); {_OUT}")
    for mark, enc in _BOMS:
        if head.startswith(mark):
            note = None if enc == "utf-8-sig" else f"read as {enc.upper()} (byte-order mark); {_OUT}"
            return Encoding(enc, len(mark), note)
    utf16 = _utf16_without_bom(head)
    if utf16:
        return Encoding(
            utf16,
            0,
            f"read as {utf16.upper()} (no byte-order mark; detected); {_OUT}. Pass encoding= to override",
        )
    what = binary_kind(head, delimiter)
    if what:
        raise InputError(f"{name} is {what}, not a CSV file")
    if _valid_utf8(head, complete) or _mostly_utf8(head):
        return Encoding("utf-8")
    return _legacy(head, name)


def _legacy(head: bytes, name: str) -> Encoding:
    """A single- or multi-byte legacy encoding, as charset-normalizer finds it.

    Accepted only with evidence: a match whose text reads as a language (coherence), or candidates that
    all give the same text as Windows-1252 (then named cp1252, what Excel on Western Windows writes).
    Otherwise the encoding cannot be decided and the user is asked for ``encoding=``.
    """
    import charset_normalizer  # only for files that are not UTF-8: off the start-up path

    matches = list(charset_normalizer.from_bytes(head))
    try:
        as_1252: str | None = head.decode("cp1252")
    except UnicodeDecodeError:
        as_1252 = None
    fluent = [m for m in matches if m.coherence > 0 and m.encoding not in ("utf_8", "ascii")]
    enc: str | None = None
    if fluent:
        top = fluent[0]
        # Ties are common (cp1250 and cp1252 score alike on French): prefer what Windows Excel writes.
        tied = [m for m in fluent if (m.chaos, m.coherence) == (top.chaos, top.coherence)]
        windows = any(canonical(m.encoding) == "cp1252" for m in tied) or str(top) == as_1252
        enc = "cp1252" if windows else canonical(top.encoding)
    elif as_1252 is not None and matches and all(str(m) == as_1252 for m in matches[:3]):
        enc = "cp1252"
    if enc is None:
        guesses = ", ".join(dict.fromkeys(canonical(m.encoding) for m in matches[:3])) or "none"
        raise InputError(
            f"cannot tell the encoding of {name}: it is not UTF-8 (candidates: {guesses}). Pass "
            "encoding=, for example encoding='cp1252' for a Windows Excel export"
        )
    return Encoding(
        enc, 0, f"read as {enc} (detected: not UTF-8); {_OUT}. Pass encoding= if accented letters look wrong"
    )


def undecodable(name: str, encoding: str, offset: int, raw: bytes, row: int | None = None) -> InputError:
    """The error for a byte the encoding cannot decode: where it is and what to do."""
    where = f"row {row}, byte offset {offset}" if row is not None else f"byte offset {offset}"
    return InputError(
        f"{name}: byte 0x{raw[:1].hex()} at {where} is not valid {encoding}: fix that byte, or, if the "
        "whole file is in another encoding, pass encoding= (for example encoding='cp1252')"
    )


def transcode(src: IO[bytes], dst: IO[bytes], encoding: str, name: str, chunk: int = TRANSCODE_CHUNK) -> None:
    """Copy ``src`` (from its current position) to ``dst`` as UTF-8; InputError at the first bad byte."""
    dec = codecs.getincrementaldecoder(encoding)("strict")
    done = src.tell()
    while True:
        data = src.read(chunk)
        final = not data
        pending = dec.getstate()[0]
        try:
            text = dec.decode(data, final=final)
        except UnicodeDecodeError as e:
            raise undecodable(name, encoding, done - len(pending) + e.start, e.object[e.start :]) from None
        dst.write(text.encode("utf-8"))
        if final:
            return
        done += len(data)
