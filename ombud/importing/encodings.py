"""Text encodings of CSV files: UTF-8 (with or without BOM) or Windows-1252, decoded as a stream."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO


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


def detect_encoding(fh: IO[bytes]) -> str:
    """UTF-8 (BOM or not, as Excel's "CSV UTF-8") when the whole file decodes, else Windows-1252
    (Swedish Excel's plain "CSV (semikolonavgränsad)")."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    fh.seek(0)
    try:
        while chunk := fh.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    finally:
        fh.seek(0)
    return "utf-8-sig"
