"""Text encodings of CSV files: UTF-8 (with or without BOM) or Windows-1252, decoded as a stream.

A file is one or the other. A file mixing both (rows pasted in from another program) or text
that was garbled before it reached us ("Ã…sa": UTF-8 read as Windows-1252 and saved again)
would store wrong names and duplicate workplaces, so both are refused (issue 9).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import IO

UTF8 = "utf-8-sig"
CP1252 = "cp1252"

# "Ã¥" = "å" garbled: the lead byte of a two-byte UTF-8 letter (Â or Ã for U+0080–U+00FF) followed
# by a continuation byte 0x80–0xBF, both read as Windows-1252 (or Latin-1).
_CONTINUATIONS = bytes(range(0x80, 0xC0)).decode(CP1252, errors="ignore") + "".join(
    map(chr, range(0x80, 0xC0))
)
_GARBLED = re.compile(f"[ÂÃ][{re.escape(_CONTINUATIONS)}]")


def looks_garbled(text: str) -> bool:
    return _GARBLED.search(text) is not None


def decoded_lines(fh: IO[bytes], encoding: str) -> Iterator[str]:
    """Lines (with their endings) decoded chunk by chunk: memory stays at one chunk."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    pending = ""
    while chunk := fh.read(1 << 20):
        parts = (pending + decoder.decode(chunk)).split("\n")
        pending = parts.pop()
        for part in parts:
            yield part + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _byte_lines(fh: IO[bytes]) -> Iterator[bytes]:
    pending = b""
    while chunk := fh.read(1 << 20):
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        yield from parts
    if pending:
        yield pending


def _kind(line: bytes) -> str:
    """UTF8, CP1252 or "" (nothing telling: ASCII, or UTF-8 outside the Latin letters)."""
    if line.isascii():
        return ""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return CP1252
    return UTF8 if any("\u0080" <= c <= "\u024f" for c in text) else ""


def detect_encoding(fh: IO[bytes]) -> tuple[str, int | None]:
    """(encoding, None), or (encoding, line) when the file mixes the two: `line` (1-based) is
    the first line whose encoding differs from the lines with letters before it.

    UTF-8 (BOM or not, as Excel's "CSV UTF-8") when the whole file decodes, else Windows-1252
    (Swedish Excel's plain "CSV (semikolonavgränsad)").
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    fh.seek(0)
    try:
        while chunk := fh.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        pass
    else:
        return UTF8, None
    finally:
        fh.seek(0)
    # Not UTF-8 throughout: Windows-1252, unless some lines are UTF-8 after all. Line by line
    # only now, so a clean file pays for one fast pass.
    try:
        first = ""
        for number, line in enumerate(_byte_lines(fh), start=1):
            kind = _kind(line)
            if kind and not first:
                first = kind
            elif kind and kind != first:
                return CP1252, number
        return CP1252, None
    finally:
        fh.seek(0)
