"""Pytest fixtures for a real S3 endpoint: moto's server on a free loopback port (no mocks of boto or s3fs).

Registered from ``tests/conftest.py`` with ``pytest_plugins = ["tests.conftest_s3"]``.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Variables that could point boto at a real account or another endpoint.
_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL_S3")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 for the whole session, with test credentials; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _CREDENTIALS.items():
            mp.setenv(name, value)
        for name in _UNSET:
            mp.delenv(name, raising=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_bucket_url(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, uniquely named bucket as ``s3://<bucket>/prefix``, with ``AWS_ENDPOINT_URL`` set to moto."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    bucket = f"tendml-test-{uuid.uuid4().hex[:16]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/prefix"


@pytest.fixture(params=["local", "s3"])
def artifact_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An artifact store URL for each backend: a not-yet-created local folder, then an S3 bucket prefix."""
    if request.param == "s3":
        url: str = request.getfixturevalue("s3_bucket_url")
        return url
    return str(tmp_path / "artifacts")
