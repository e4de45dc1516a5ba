"""One contract for ArtifactStore, run against a local folder and a real S3 endpoint (moto's server)."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import boto3
import pytest

from tendml.artifacts import ArtifactStore, safe_key
from tendml.core.errors import Conflict, IntegrityError, NotFound, ValidationFailed

MISSING = "0" * 64


def _split_s3(url: str, rel: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, f"{prefix}/{rel}"


def _raw_write(url: str, rel: str, data: bytes) -> None:
    """Change stored bytes behind the store's back (on disk or in the bucket)."""
    if url.startswith("s3://"):
        bucket, key = _split_s3(url, rel)
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
    else:
        Path(url, rel).write_bytes(data)


def _raw_read(url: str, rel: str) -> bytes:
    if url.startswith("s3://"):
        bucket, key = _split_s3(url, rel)
        body: bytes = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return body
    return Path(url, rel).read_bytes()


def _blob(digest: str) -> str:
    return f"blobs/{digest[:2]}/{digest[2:]}"


def test_put_and_read_round_trip(artifact_url: str) -> None:
    store = ArtifactStore(artifact_url)
    assert store.url == artifact_url
    for data in (b"model bytes", b""):
        digest = store.put_bytes(data)
        assert digest == hashlib.sha256(data).hexdigest()
        assert store.exists(digest)
        assert store.size(digest) == len(data)
        assert store.read_bytes(digest) == data
        assert _raw_read(artifact_url, _blob(digest)) == data


def test_initialize_writes_the_layout_marker_and_keeps_data(artifact_url: str) -> None:
    store = ArtifactStore(artifact_url)
    store.initialize()
    digest = store.put_bytes(b"kept")
    ArtifactStore(artifact_url).initialize()  # again, on an existing store
    assert store.read_bytes(digest) == b"kept"
    assert store.list_keys() == []  # the marker is not a key


def test_same_content_is_written_once(artifact_url: str) -> None:
    store = ArtifactStore(artifact_url)
    digest = store.put_bytes(b"same content")
    # Mark the stored blob: a second put that wrote anything would replace the marker.
    _raw_write(artifact_url, _blob(digest), b"marker")
    if not artifact_url.startswith("s3://"):
        before = os.stat(Path(artifact_url, _blob(digest))).st_mtime_ns
    assert store.put_bytes(b"same content") == digest
    assert _raw_read(artifact_url, _blob(digest)) == b"marker"
    if not artifact_url.startswith("s3://"):
        assert os.stat(Path(artifact_url, _blob(digest))).st_mtime_ns == before
        blobs = [p for p in Path(artifact_url, "blobs").rglob("*") if p.is_file()]
        assert blobs == [Path(artifact_url, _blob(digest))], "no temp file is left behind"


def test_put_file_larger_than_chunk_size(artifact_url: str, tmp_path: Path) -> None:
    store = ArtifactStore(artifact_url)
    store.chunk_size = 1024
    data = os.urandom(10 * 1024 + 7)
    source = tmp_path / "model.bin"
    source.write_bytes(data)
    digest = store.put_file(source)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.put_file(str(source)) == digest
    assert store.read_bytes(digest) == data
    dest = store.get_file(digest, tmp_path / "out" / "model.bin")
    assert dest == tmp_path / "out" / "model.bin"
    assert dest.read_bytes() == data
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.bin"]


def test_corrupted_blob_is_never_returned(artifact_url: str, tmp_path: Path) -> None:
    store = ArtifactStore(artifact_url)
    store.chunk_size = 4
    data = b"weights: 0.1 0.2 0.3"
    digest = store.put_bytes(data)
    _raw_write(artifact_url, _blob(digest), data.replace(b"0.2", b"9.2"))
    with pytest.raises(IntegrityError, match=digest):
        store.read_bytes(digest)
    dest = tmp_path / "downloads" / "model.bin"
    with pytest.raises(IntegrityError, match=digest):
        store.get_file(digest, dest)
    assert list(dest.parent.iterdir()) == [], "neither the bad download nor a temp file is left"
    dest.write_bytes(b"an older download")
    with pytest.raises(IntegrityError):
        store.get_file(digest, dest)
    assert list(dest.parent.iterdir()) == []


def test_missing_digest_is_not_found(artifact_url: str, tmp_path: Path) -> None:
    store = ArtifactStore(artifact_url)
    assert not store.exists(MISSING)
    with pytest.raises(NotFound):
        store.read_bytes(MISSING)
    with pytest.raises(NotFound):
        store.size(MISSING)
    with pytest.raises(NotFound):
        store.get_file(MISSING, tmp_path / "x")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("digest", ["abc", "A" * 64, "g" * 64, f"sha256:{MISSING}", f"../{MISSING[3:]}", ""])
def test_malformed_digest_is_rejected(digest: str, tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "store"))
    calls = [store.read_bytes, store.exists, store.size, lambda d: store.get_file(d, tmp_path / "x")]
    for call in calls:
        with pytest.raises(ValidationFailed) as info:
            call(digest)
        assert info.value.field == "digest"
        assert info.value.hint


def test_named_keys_round_trip_and_are_write_once(artifact_url: str) -> None:
    store = ArtifactStore(artifact_url)
    store.put_key("logs/model-a/000001.parquet", b"segment 1")
    assert store.read_key("logs/model-a/000001.parquet") == b"segment 1"
    with pytest.raises(Conflict) as info:
        store.put_key("logs/model-a/000001.parquet", b"other")
    assert info.value.field == "key"
    assert store.read_key("logs/model-a/000001.parquet") == b"segment 1"
    store.put_key("logs/model-a/000001.parquet", b"replaced", overwrite=True)
    assert store.read_key("logs/model-a/000001.parquet") == b"replaced"
    with pytest.raises(NotFound):
        store.read_key("logs/model-a/missing.parquet")


def test_list_and_delete_keys(artifact_url: str) -> None:
    store = ArtifactStore(artifact_url)
    assert store.list_keys() == []
    store.put_bytes(b"a blob is not a key")
    for key in ("logs/a/2", "logs/a/1", "logs/ab/1", "other"):
        store.put_key(key, key.encode())
    assert store.list_keys() == ["logs/a/1", "logs/a/2", "logs/ab/1", "other"]
    assert store.list_keys("logs/a/") == ["logs/a/1", "logs/a/2"]
    assert store.list_keys("logs/a") == ["logs/a/1", "logs/a/2", "logs/ab/1"]
    assert store.list_keys("nothing/") == []
    store.delete_key("logs/a/1")
    assert store.list_keys("logs/") == ["logs/a/2", "logs/ab/1"]
    with pytest.raises(NotFound):
        store.read_key("logs/a/1")
    with pytest.raises(NotFound):
        store.delete_key("logs/a/1")
    with pytest.raises(ValidationFailed):
        store.list_keys("../")


def test_writes_by_another_instance_are_seen(artifact_url: str) -> None:
    reader = ArtifactStore(artifact_url)
    writer = ArtifactStore(artifact_url, storage_options={"skip_instance_cache": True})
    digest = hashlib.sha256(b"late").hexdigest()
    assert not reader.exists(digest)
    assert reader.list_keys() == []
    writer.put_bytes(b"late")
    writer.put_key("k/1", b"v")
    assert reader.exists(digest)
    assert reader.read_bytes(digest) == b"late"
    assert reader.list_keys() == ["k/1"]
    with pytest.raises(Conflict):
        reader.put_key("k/1", b"again")
    writer.delete_key("k/1")
    assert reader.list_keys() == []


ESCAPES = [
    "../x",
    "a/../../b",
    "/etc/passwd",
    "C:\\x",
    "a\\b",
    "s3://other/x",
    "file:///x",
    "a//b",
    "./a",
    "",
    "a\x00b",
    "a/",
    "C:/x",
    "a/./b",
    "..",
    "a\nb",
    "a/.tendml-tmp-x",
]
NORMAL_KEYS = ["a", "logs/model-a/000001.parquet", "a.b/c..d/.hidden", "2024-01-01T00:00/x", "é/日本"]


@pytest.mark.parametrize("key", ESCAPES)
def test_safe_key_rejects_escapes(key: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        safe_key(key)
    assert info.value.field == "key"
    assert info.value.hint


@pytest.mark.parametrize("key", NORMAL_KEYS)
def test_safe_key_accepts_normal_keys(key: str) -> None:
    assert safe_key(key) == key


def test_safe_key_normalises_unicode() -> None:
    assert safe_key("cafe\u0301/x") == "caf\u00e9/x"


def test_escape_keys_write_nothing_outside_the_root(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "root"))
    for key in ESCAPES:
        with pytest.raises(ValidationFailed):
            store.put_key(key, b"escaped", overwrite=True)
        with pytest.raises(ValidationFailed):
            store.read_key(key)
        with pytest.raises(ValidationFailed):
            store.delete_key(key)
    assert list(tmp_path.rglob("*")) == []


def test_other_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = ArtifactStore("relative/store")
    digest = relative.put_bytes(b"x")
    assert (tmp_path / "relative/store" / _blob(digest)).read_bytes() == b"x"
    assert ArtifactStore((tmp_path / "relative/store").as_uri()).read_bytes(digest) == b"x"
    memory = ArtifactStore(f"memory://tendml-test-{uuid.uuid4().hex}")
    assert memory.read_bytes(memory.put_bytes(b"y")) == b"y"
    memory.put_key("k", b"v")
    with pytest.raises(Conflict):
        memory.put_key("k", b"w")
    assert memory.list_keys() == ["k"]
    assert repr(memory).startswith("ArtifactStore('memory://")


def test_s3_endpoint_from_storage_options(
    s3_bucket_url: str, s3_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    store = ArtifactStore(s3_bucket_url, storage_options={"client_kwargs": {"endpoint_url": s3_server}})
    digest = store.put_bytes(b"z")
    assert store.read_bytes(digest) == b"z"
    assert store.size(digest) == 1
