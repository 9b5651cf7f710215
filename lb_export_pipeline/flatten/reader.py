"""Reading export NDJSON line by line: plain or gzip, whole or a byte range cut on line boundaries.

A byte range lets several processes share one large plain file. Each range knows the line number
it starts at, so quarantine records and ``line_number`` columns stay absolute.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"


class NotNdjsonError(ValueError):
    """The file is not NDJSON (one JSON object per line), e.g. a JSON array of rows."""


class CorruptGzipError(ValueError):
    """A gzip export ends early or is damaged (e.g. an interrupted download)."""


_GZIP_ERRORS = (EOFError, OSError, zlib.error)  # gzip.BadGzipFile is an OSError


def _corrupt(path: Path, where: str, exc: BaseException) -> CorruptGzipError:
    return CorruptGzipError(f"{path}: the gzip stream is truncated or damaged after {where} ({exc}); "
                            "download the export again")
_SCAN = 1 << 22


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, end) of a plain file; the line at ``start`` is number ``first_line`` (1-based)."""

    start: int
    end: int
    first_line: int


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def gzip_size_hint(path: Path) -> int:
    """The uncompressed size a gzip file records in its last four bytes (modulo 4 GiB, of its last
    member): a cheap lower bound for deciding whether splitting it pays off."""
    size = os.path.getsize(path)
    if size < 4:
        return size
    with open(path, "rb") as f:
        f.seek(-4, os.SEEK_END)
        return max(int.from_bytes(f.read(4), "little"), size)


def gunzip(path: Path, target: Path) -> None:
    """Decompress ``path`` into ``target`` (a gzip stream cannot be cut into byte ranges; its
    plain copy can).

    Decompressed bytes are written as they come, so a damaged file is reported after its last good
    line, as a single reader reports it; a failed write (a full disk) is an ``OSError`` naming
    ``target``, never taken for damage."""
    lines = 0
    with open(path, "rb") as src, open(target, "wb") as dst:
        unzip = zlib.decompressobj(wbits=31)  # 31: gzip framing
        try:
            while compressed := src.read(1 << 18):
                while compressed:
                    _write(dst, target, data := unzip.decompress(compressed))
                    lines += data.count(b"\n")
                    compressed = unzip.unused_data  # the next member of a multi-member file
                    if compressed:
                        unzip = zlib.decompressobj(wbits=31)
            if not unzip.eof:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        except (EOFError, zlib.error) as exc:
            raise _corrupt(path, f"line {lines:,}", exc) from None


def _write(dst: IO[bytes], target: Path, data: bytes) -> None:
    try:
        dst.write(data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from None


@dataclass
class LineSource:
    """Iterates (line number, raw line bytes) and tracks how many input bytes were consumed."""

    path: Path
    byte_range: ByteRange | None = None
    bytes_done: int = 0

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        raw = open(self.path, "rb")
        try:
            if is_gzip(self.path):
                if self.byte_range is not None:
                    raise ValueError(f"{self.path}: a gzip file cannot be split into byte ranges")
                yield from self._lines(raw, _gzip_lines(self.path, gzip.GzipFile(fileobj=raw, mode="rb")), 1, None)
            else:
                br = self.byte_range
                if br is not None:
                    raw.seek(br.start)
                yield from self._lines(raw, raw, br.first_line if br else 1, br.end - br.start if br else None)
        finally:
            raw.close()

    def _lines(
        self, raw: IO[bytes], stream: Iterable[bytes], first: int, limit: int | None
    ) -> Iterator[tuple[int, bytes]]:
        start = raw.tell()
        n = first
        consumed = 0
        for line in stream:
            consumed += len(line)
            if n == 1:
                line = _check_first_line(self.path, line)
            self.bytes_done = raw.tell() - start if stream is not raw else consumed
            yield n, line
            n += 1
            if limit is not None and consumed >= limit:
                break


def _gzip_lines(path: Path, stream: gzip.GzipFile) -> Iterator[bytes]:
    lines = iter(stream)
    n = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except _GZIP_ERRORS as exc:
            raise _corrupt(path, f"line {n:,}", exc) from None
        n += 1
        yield line


def split_ranges(path: Path, parts: int, first_extra: int = 0) -> list[ByteRange]:
    """Cut a plain file into about ``parts`` ranges that start at line starts; the first range gets
    ``first_extra`` bytes more than each other one (it is read while the others' processes start).

    Counting newlines before each cut costs one sequential read at memory speed, far less than
    parsing, and keeps every line number absolute.
    """
    size = os.path.getsize(path)
    if parts <= 1 or size == 0:
        return [ByteRange(0, size, 1)]
    extra = min(max(first_extra, 0), size // 2)
    share = (size - extra) // parts
    cuts = [0]
    with open(path, "rb") as f:
        for i in range(1, parts):
            f.seek(max(extra + share * i - 1, cuts[-1]))
            f.readline()  # finish the line that straddles the cut
            pos = f.tell()
            if cuts[-1] < pos < size:
                cuts.append(pos)
        cuts.append(size)
        ranges = []
        line = 1
        for start, end in pairwise(cuts):
            ranges.append(ByteRange(start, end, line))
            f.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = f.read(min(_SCAN, remaining))
                if not chunk:
                    break
                line += chunk.count(b"\n")
                remaining -= len(chunk)
    return ranges


def _check_first_line(path: Path, line: bytes) -> bytes:
    """Drop a UTF-8 byte-order mark (files saved by some editors), and refuse a JSON array
    (export v1, or an export re-saved as one document) with one clear error."""
    if line.startswith(UTF8_BOM):
        line = line[len(UTF8_BOM):]
    if line.lstrip()[:1] == b"[":
        raise NotNdjsonError(
            f"{path}: line 1 starts a JSON array; lb-export reads Labelbox export v2 NDJSON, one data row per "
            "line. Convert with: python -c \"import json,sys; [print(json.dumps(r)) for r in "
            "json.load(open(sys.argv[1]))]\" FILE > FILE.ndjson")
    return line
