"""WAL frames: what reading keeps and where it cuts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tendml.logs.records import encode_records
from tendml.logs.wal import frame, parse_frames
from tests.logs.factories import churn, price


def test_frames_round_trip_records_of_any_shape() -> None:
    records = [churn(1), price(2), churn(3, note=None, score=1e300, flag=True)]
    data = frame(encode_records(records[:2])) + frame(encode_records(records[2:]))
    contents = parse_frames(data)
    assert (contents.records, contents.frames, contents.cut_at) == (records, 2, None)


def test_json_has_no_infinity_nor_nan_they_read_back_as_null() -> None:
    (record,) = parse_frames(frame(encode_records([churn(1, a=float("inf"), b=float("nan"))]))).records
    assert record.inputs == {"a": None, "b": None}


def test_an_empty_file_has_no_records() -> None:
    contents = parse_frames(b"")
    assert (contents.records, contents.frames, contents.cut_at) == ([], 0, None)


def test_the_first_bad_frame_ends_the_file() -> None:
    good = frame(encode_records([churn(1)]))
    for tail, problem in [
        (good[:3], "a torn frame header"),
        (good[:-1], "a torn frame (shorter than its length)"),
        (good[:9] + b"X" + good[10:] + good, "bad checksum"),
        (frame(b'{"a": 1}') + good, "a frame that is not a list of prediction records"),
    ]:
        contents = parse_frames(good + tail)
        assert (len(contents.records), contents.cut_at, contents.problem) == (1, len(good), problem)


# Run in a child process: a file size limit (RLIMIT_FSIZE) makes the OS refuse a write half-way.
HALF_WRITTEN = """
import resource, signal, sys
from pathlib import Path
from tendml.logs.records import encode_records
from tendml.logs.wal import WalFile, frame, parse_frames
from tests.logs.factories import churn

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
wal = WalFile.create(Path(sys.argv[1]), durable=False)
first, big = frame(encode_records([churn(1)])), frame(encode_records([churn(i) for i in range(50)]))
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
wal.write(frame(encode_records([churn(2)])))
contents = parse_frames(wal.path.read_bytes())
assert [r.id for r in contents.records] == [churn(1).id, churn(2).id] and contents.cut_at is None
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
