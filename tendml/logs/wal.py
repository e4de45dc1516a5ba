"""The write-ahead log: files of checksummed frames, each owned (``flock``-ed) by the process writing it.

A frame is ``[u32 length][u32 crc32]`` (little-endian) followed by ``length`` bytes of payload (blocks of
predictions, :func:`tendml.logs.encoding.encode_blocks`). A file is only ever appended to; a crash can
leave a torn last frame, which reading detects (short read or bad checksum) and cuts off. The process that
writes a file holds an exclusive ``fcntl.flock`` on it until it has converted and deleted it, so a file
that can be locked belongs to a process that died: another process may recover it. POSIX only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tendml.core.ids import new_id
from tendml.logs.block import Block
from tendml.logs.encoding import decode_blocks

SUFFIX = ".wal"
_HEADER = struct.Struct("<II")


def frame(payload: bytes) -> bytes:
    """One frame: the payload's length and crc32, then the payload.

    >>> frame(b"[]").hex()
    '0200000029bb4c0d5b5d'
    """
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass(frozen=True)
class WalContents:
    """What reading a WAL file found: the blocks of its complete frames, and where a bad tail was cut."""

    blocks: list[Block]
    frames: int
    size: int
    #: Offset of the first torn or corrupt frame (everything from there on was dropped), or None.
    cut_at: int | None = None
    problem: str | None = None

    @property
    def rows(self) -> int:
        """The number of predictions read."""
        return sum(block.rows for block in self.blocks)


def parse_frames(data: bytes) -> WalContents:
    """The blocks of every complete, valid frame in ``data``; the first bad frame ends the file.

    >>> from tendml.logs.encoding import encode_blocks
    >>> good = frame(encode_blocks([]))
    >>> parse_frames(good + good).frames, parse_frames(good + good[:5]).cut_at
    (2, 14)
    >>> parse_frames(good[:-1] + b"!").problem
    'bad checksum'
    """
    blocks: list[Block] = []
    offset = frames = 0
    while offset < len(data):
        problem = _frame_problem(data, offset)
        if problem is None:
            length = _HEADER.unpack_from(data, offset)[0]
            start = offset + _HEADER.size
            try:
                blocks.extend(decode_blocks(data[start : start + length]))
            except (ValueError, TypeError, KeyError, AttributeError, struct.error, orjson.JSONDecodeError):
                problem = "a frame that is not a list of blocks of predictions"
        if problem is not None:
            return WalContents(blocks, frames, len(data), cut_at=offset, problem=problem)
        offset += _HEADER.size + length
        frames += 1
    return WalContents(blocks, frames, len(data))


def _frame_problem(data: bytes, offset: int) -> str | None:
    if len(data) - offset < _HEADER.size:
        return "a torn frame header"
    length, crc = _HEADER.unpack_from(data, offset)
    start = offset + _HEADER.size
    if len(data) - start < length:
        return "a torn frame (shorter than its length)"
    if zlib.crc32(data[start : start + length]) != crc:
        return "bad checksum"
    return None


@dataclass(eq=False)
class WalFile:
    """One WAL file, open and exclusively locked by this process until :meth:`remove` or :meth:`release`.

    ``blocks`` are the blocks written to it, kept in memory so that converting the file after it is
    rotated never reads it back.
    """

    path: Path
    fd: int
    blocks: list[Block] = field(default_factory=list)
    size: int = 0

    @property
    def stem(self) -> str:
        """The file's name without ``.wal``: a time-ordered id that also names its segments."""
        return self.path.stem

    @classmethod
    def create(cls, folder: Path, *, durable: bool) -> WalFile:
        """A new, empty, locked file in ``folder``; with ``durable``, its folder entry is fsynced too."""
        path = folder / f"{new_id()}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if durable:
                _fsync_folder(folder)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd)

    @classmethod
    def claim(cls, path: Path) -> WalFile | None:
        """Lock the file of a process that died, or None if its owner is alive or it is already gone."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # The owner may have deleted the file between our open and our lock: then it is done.
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return cls(path, fd, size=os.fstat(fd).st_size)
        except (BlockingIOError, FileNotFoundError):
            pass
        os.close(fd)
        return None

    def write(self, data: bytes) -> None:
        """Append ``data`` (whole frames) to the file, without fsync; all of it or, on error, none."""
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
        except BaseException:
            # A partly written frame would hide every later frame from recovery: cut it off.
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)
            raise
        self.size += len(data)

    def sync(self) -> None:
        """fsync the file: everything written so far survives a crash of the machine."""
        os.fsync(self.fd)

    def read(self) -> WalContents:
        """Read the file's complete frames into ``blocks`` (recovery of a claimed file)."""
        contents = parse_frames(self.path.read_bytes())
        self.blocks = contents.blocks
        return contents

    def remove(self) -> None:
        """Delete the file, then give up the lock (its blocks are converted)."""
        self.path.unlink(missing_ok=True)
        os.close(self.fd)

    def release(self) -> None:
        """Give up the lock and keep the file, for a later recovery."""
        os.close(self.fd)


def claim_orphans(folder: Path) -> Iterator[WalFile]:
    """Lock and yield every WAL file in ``folder`` whose owner has died, oldest first."""
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        wal = WalFile.claim(path)
        if wal is not None:
            yield wal


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
