"""A content-addressed, write-once, verified-on-read artifact store over fsspec.

Blobs live at ``<root>/blobs/<d[:2]>/<d[2:]>`` (``d`` the hex sha256 of their bytes); named keys
(prediction log segments, not content addressed) at ``<root>/keys/<key>``. Local folders are written
atomically (a temp file in the same folder, fsync, then link or replace); other filesystems go through
fsspec's ``pipe_file``/``put_file``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from tendml.artifacts.keys import TMP_PREFIX, safe_key
from tendml.core.errors import Conflict, IntegrityError, NotFound, ValidationFailed
from tendml.core.hashing import is_digest, sha256_bytes


def _check_digest(digest: str) -> str:
    if not isinstance(digest, str) or not is_digest(digest):
        raise ValidationFailed(
            f"digest {digest!r} is not a sha256 hex digest",
            field="digest",
            hint="expected 64 lowercase hex characters, as returned by put_bytes or put_file",
        )
    return digest


def _corrupted(digest: str, actual: str) -> IntegrityError:
    return IntegrityError(
        f"blob {digest} is corrupted: its stored bytes hash to {actual}",
        hint="the store was changed outside tendml; restore the blob from a backup, never load it",
    )


def _chunks(source: IO[bytes], size: int) -> Iterator[bytes]:
    while chunk := source.read(size):
        yield chunk


def _write_local(path: str, chunks: Iterable[bytes], *, exclusive: bool, expected: str | None = None) -> None:
    """Write atomically: a temp file in the target's folder, fsync, then link (exclusive) or replace.

    With ``expected``, the bytes written are hashed and must match it, or nothing is installed (Conflict).
    Raises FileExistsError when ``exclusive`` and the target exists.
    """
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, TMP_PREFIX + secrets.token_hex(8))
    # os.open rather than mkstemp so the file gets the usual umask permissions, not 0600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        hasher = hashlib.sha256() if expected is not None else None
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                if hasher is not None:
                    hasher.update(chunk)
            out.flush()
            os.fsync(out.fileno())
        if hasher is not None and hasher.hexdigest() != expected:
            raise Conflict(
                f"the file changed while it was being stored (expected sha256 {expected})",
                hint="store it again once nothing is writing to it",
            )
        (os.link if exclusive else os.replace)(tmp, path)
        _fsync_folder(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _fsync_folder(folder: str) -> None:
    """Make the new directory entry durable (POSIX only; Windows cannot open folders)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


LAYOUT_FILE = "tendml-artifacts.json"
LAYOUT = b'{"layout": 1, "blobs": "blobs/<sha256[:2]>/<sha256[2:]>", "keys": "keys/<key>"}\n'


class ArtifactStore:
    """Content-addressed, write-once blobs and named keys in a local folder or any fsspec URL.

    ``url`` is a folder path (created on first write) or a URL such as ``s3://bucket/prefix``, ``memory://x``
    or ``file:///abs``; ``storage_options`` go to the fsspec filesystem (for S3, e.g.
    ``{"client_kwargs": {"endpoint_url": ...}}``; ``AWS_ENDPOINT_URL`` is honoured too). Every read is
    verified against its digest.

    >>> store = ArtifactStore("memory://doctest-artifacts")
    >>> digest = store.put_bytes(b"hello")
    >>> digest[:12], store.read_bytes(digest), store.size(digest)
    ('2cf24dba5fb0', b'hello', 5)
    """

    #: Bytes read or written at a time when streaming files.
    chunk_size: int = 1 << 20

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        self.url = url
        fs, root = url_to_fs(url, **(storage_options or {}))
        self._fs: Any = fs
        self._local = isinstance(fs, LocalFileSystem)
        self._root: str = root.rstrip("/")

    def __repr__(self) -> str:
        return f"ArtifactStore({self.url!r})"

    def initialize(self) -> None:
        """Create the store (its folder, on a local path) and prove it is writable by writing the
        layout marker ``tendml-artifacts.json`` at its root."""
        self._write_bytes(f"{self._root}/{LAYOUT_FILE}", LAYOUT, exclusive=False)

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` once and return its hex sha256 digest; nothing is written if the blob exists."""
        digest = sha256_bytes(data)
        path = self._blob_path(digest)
        if self._stat(path) is None:
            self._write_bytes(path, bytes(data), exclusive=False)
        return digest

    def put_file(self, path: str | os.PathLike[str]) -> str:
        """Store a file once, streaming it in chunks, and return its hex sha256 digest.

        On a local store the copy is hashed again and installed only if it matches; on other filesystems the
        file must not change while it is uploaded (a changed upload is caught on read as IntegrityError).
        """
        source = Path(path)
        with source.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        target = self._blob_path(digest)
        if self._stat(target) is not None:
            return digest
        if self._local:
            with source.open("rb") as f:
                _write_local(target, _chunks(f, self.chunk_size), exclusive=False, expected=digest)
        else:
            try:
                self._fs.put_file(os.fspath(source), target)
            finally:
                self._fs.invalidate_cache(target)
        return digest

    def read_bytes(self, digest: str) -> bytes:
        """A blob's bytes, verified against ``digest``; IntegrityError on mismatch, NotFound if missing."""
        data = self._read(self._blob_path(digest), f"blob {digest}")
        actual = sha256_bytes(data)
        if actual != digest:
            raise _corrupted(digest, actual)
        return data

    def get_file(self, digest: str, dest: str | os.PathLike[str]) -> Path:
        """Download a blob to ``dest``, verified while streaming, and return ``dest`` as a Path.

        The bytes go to a temp file next to ``dest`` that is renamed only once verified; on a mismatch
        ``dest`` is removed and IntegrityError is raised.
        """
        source_path = self._blob_path(digest)
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(TMP_PREFIX + secrets.token_hex(8))
        hasher = hashlib.sha256()
        try:
            with self._open(source_path, f"blob {digest}") as source, tmp.open("xb") as out:
                for chunk in _chunks(source, self.chunk_size):
                    hasher.update(chunk)
                    out.write(chunk)
            if hasher.hexdigest() != digest:
                target.unlink(missing_ok=True)
                raise _corrupted(digest, hasher.hexdigest())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def exists(self, digest: str) -> bool:
        """Whether a blob with this digest is stored (not verified; reads are)."""
        return self._stat(self._blob_path(digest)) is not None

    def size(self, digest: str) -> int:
        """The size in bytes of a stored blob; NotFound if it is missing."""
        size = self._stat(self._blob_path(digest))
        if size is None:
            raise NotFound(f"blob {digest} does not exist in {self.url}", field="digest")
        return size

    def put_key(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        """Store ``data`` under a named key; write-once (Conflict if it exists) unless ``overwrite``."""
        path = self._key_path(key)
        if not overwrite and self._stat(path) is not None:
            raise self._key_taken(key)
        try:
            self._write_bytes(path, bytes(data), exclusive=not overwrite)
        except (FileExistsError, IsADirectoryError, NotADirectoryError) as exc:
            raise self._key_taken(key) from exc

    def read_key(self, key: str) -> bytes:
        """The bytes stored under a named key; NotFound if it is missing."""
        return self._read(self._key_path(key), f"key {key!r}")

    def list_keys(self, prefix: str = "") -> list[str]:
        """Sorted named keys starting with ``prefix`` (a plain string prefix, e.g. ``"logs/model-a/"``)."""
        if prefix:
            safe_key(prefix.rstrip("/"))
        base = f"{self._root}/keys"
        folder = prefix.rpartition("/")[0]
        start = f"{base}/{folder}" if folder else base
        return sorted(key for key in self._find(base, start) if key.startswith(prefix))

    def delete_key(self, key: str) -> None:
        """Remove a named key; NotFound if it is missing."""
        path = self._key_path(key)
        if self._stat(path) is None:
            raise NotFound(f"key {key!r} does not exist in {self.url}", field="key")
        if self._local:
            os.unlink(path)
        else:
            try:
                self._fs.rm_file(path)
            finally:
                self._fs.invalidate_cache(path)

    def key_paths(self, keys: Iterable[str]) -> tuple[Any, list[str]]:
        """Where named keys are stored, for engines that read files themselves (DuckDB, Dask).

        Returns the fsspec filesystem and one location per key: a local path for a folder store, else a
        URL with the filesystem's protocol (``s3://bucket/prefix/keys/<key>``) that this filesystem opens
        (register it with the engine). Nothing is checked for existence.

        >>> fs, paths = ArtifactStore("memory://doctest-paths").key_paths(["logs/a.parquet"])
        >>> paths
        ['memory:///doctest-paths/keys/logs/a.parquet']
        """
        paths = [self._key_path(key) for key in keys]
        if self._local:
            return self._fs, paths
        return self._fs, [self._fs.unstrip_protocol(path) for path in paths]

    def _blob_path(self, digest: str) -> str:
        digest = _check_digest(digest)
        return f"{self._root}/blobs/{digest[:2]}/{digest[2:]}"

    def _key_path(self, key: str) -> str:
        return f"{self._root}/keys/{safe_key(key)}"

    def _key_taken(self, key: str) -> Conflict:
        return Conflict(
            f"key {key!r} already exists in {self.url} (or clashes with a folder of keys)",
            field="key",
            hint="keys are write-once; pass overwrite=True to replace it",
        )

    def _stat(self, path: str) -> int | None:
        """Size of the file at ``path``, or None if there is none; never answers from a stale listing."""
        if self._local:
            try:
                st = os.stat(path)
            except (FileNotFoundError, NotADirectoryError):
                return None
            return st.st_size if stat.S_ISREG(st.st_mode) else None
        # Another store instance (or process) may have written since this filesystem cached a listing.
        self._fs.invalidate_cache(path)
        try:
            info = self._fs.info(path)
        except FileNotFoundError:
            return None
        return int(info["size"]) if info.get("type") == "file" else None

    def _write_bytes(self, path: str, data: bytes, *, exclusive: bool) -> None:
        if self._local:
            _write_local(path, [data], exclusive=exclusive)
            return
        try:
            if exclusive:
                # Atomic where the backend supports it (S3 If-None-Match); raises FileExistsError if taken.
                self._fs.pipe_file(path, data, mode="create")
            else:
                self._fs.pipe_file(path, data)
        finally:
            self._fs.invalidate_cache(path)

    def _read(self, path: str, what: str) -> bytes:
        try:
            if self._local:
                return Path(path).read_bytes()
            return bytes(self._fs.cat_file(path))
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFound(f"{what} does not exist in {self.url}") from exc

    def _open(self, path: str, what: str) -> IO[bytes]:
        try:
            if self._local:
                return open(path, "rb")  # the caller closes it
            self._fs.invalidate_cache(path)
            handle: IO[bytes] = self._fs.open(path, "rb")
            return handle
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFound(f"{what} does not exist in {self.url}") from exc

    def _find(self, base: str, start: str) -> list[str]:
        """Keys (relative to ``base``) of every file under ``start``, temp files excluded."""
        if not self._local:
            self._fs.invalidate_cache(start)
            return [path[len(base) + 1 :] for path in self._fs.find(start)]
        keys = []
        for folder, _subfolders, files in os.walk(start):
            rel = os.path.relpath(folder, base).replace(os.sep, "/")
            names = [name for name in files if not name.startswith(TMP_PREFIX)]
            keys += [name if rel == "." else f"{rel}/{name}" for name in names]
        return keys
