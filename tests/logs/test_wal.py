"""WAL frames: what reading keeps and where it cuts, and the encoding of blocks of every kind of array."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

from tendml.logs import PredictionBatch
from tendml.logs.block import Block
from tendml.logs.encoding import encode_blocks
from tendml.logs.wal import frame, parse_frames
from tests.logs.factories import batches_in, churn, frame_of, odd_batches, price, replace, same_batches


def _normal(batches: list[PredictionBatch]) -> list[PredictionBatch]:
    """What decoding gives back: datetimes in µs, native byte order, C order."""
    out = []
    for b in batches:
        columns = None
        if b.columns is not None:
            columns = {name: _decoded(a) for name, a in b.columns.items()}
        out.append(replace(b, columns=columns))
    return out


def _decoded(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind in "U":
        return array.astype(object)
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("="))


def test_frames_round_trip_batches_of_any_shape() -> None:
    batches = [churn(1), price(2, 5), churn(3, 2, note=[None, None], score=[1e300, -1.5], flag=[True, False])]
    data = frame_of(batches[:2]) + frame_of(batches[2:])
    contents = parse_frames(data)
    assert (contents.frames, contents.cut_at, contents.rows) == (2, None, 8)
    assert same_batches(batches_in(contents), batches)


def test_every_kind_of_array_round_trips() -> None:
    batches = odd_batches()
    contents = parse_frames(frame_of(batches))
    assert contents.cut_at is None, contents.problem
    assert same_batches(batches_in(contents), _normal(batches))


def test_numbers_read_back_exactly_nan_and_infinities_too() -> None:
    values = np.array([float("inf"), -float("inf"), float("nan"), -0.0, 1e-310], dtype=np.float64)
    batch = churn(1, 5, a=values, b=values.astype(np.float32))
    (got,) = batches_in(parse_frames(frame_of([batch])))
    assert got.columns is not None
    assert got.columns["a"].tobytes() == values.tobytes()
    assert got.columns["b"].tobytes() == values.astype(np.float32).tobytes()


def test_an_empty_file_has_no_blocks() -> None:
    contents = parse_frames(b"")
    assert (contents.blocks, contents.frames, contents.cut_at) == ([], 0, None)


def _payload(header: bytes) -> bytes:
    return struct.pack("<I", len(header)) + header


def test_the_first_bad_frame_ends_the_file() -> None:
    good = frame_of([churn(1)])
    not_a_block = "a frame that is not a list of blocks of predictions"
    block = Block.of(churn(1))
    for tail, problem in [
        (good[:3], "a torn frame header"),
        (good[:-1], "a torn frame (shorter than its length)"),
        (good[:9] + b"X" + good[10:] + good, "bad checksum"),
        (frame(b'{"a": 1}') + good, not_a_block),
        (frame(_payload(b'{"a": 1}')) + good, not_a_block),
        (frame(_payload(b'[{"a": 1}]')) + good, not_a_block),
        (frame(_payload(b"[[1, 2]]")) + good, not_a_block),
        (frame(encode_blocks([block])[:-8]) + good, not_a_block),
        (frame(encode_blocks([block]).replace(b'"<i8"', b'"<q9"')) + good, not_a_block),
        (frame(encode_blocks([block]).replace(b'"counts":[1]', b'"counts":[2]')) + good, not_a_block),
    ]:
        contents = parse_frames(good + tail)
        assert (contents.rows, contents.cut_at, contents.problem) == (1, len(good), problem)


# Run in a child process: a file size limit (RLIMIT_FSIZE) makes the OS refuse a write half-way.
HALF_WRITTEN = """
import resource, signal, sys
from pathlib import Path
from tendml.logs.wal import WalFile, parse_frames
from tests.logs.factories import churn, frame_of

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
wal = WalFile.create(Path(sys.argv[1]), durable=False)
first, big = frame_of([churn(1)]), frame_of([churn(i) for i in range(50)])
wal.write(first)
resource.setrlimit(resource.RLIMIT_FSIZE, (len(first) + 100, resource.RLIM_INFINITY))
try:
    wal.write(big)
except OSError:
    pass
else:
    raise SystemExit("the write should have failed")
assert wal.path.stat().st_size == len(first), wal.path.stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
wal.write(frame_of([churn(2)]))
contents = parse_frames(wal.path.read_bytes())
assert [b.ids for b in contents.blocks] == [churn(1).ids, churn(2).ids] and contents.cut_at is None
print("ok")
"""


def test_a_failed_write_leaves_no_partial_frame(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", HALF_WRITTEN, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
        timeout=60,
    )
    assert done.stdout.strip() == "ok", done.stderr
