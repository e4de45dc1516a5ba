"""Real servers for the serving tests: `tendml serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import tendml


@dataclass
class Server:
    """A running `tendml serve` process."""

    url: str
    port: int
    home: Path
    process: subprocess.Popen[bytes]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, *args: str, timeout: float = 60) -> Server:
    """Start `tendml serve ARGS` with TENDML_HOME=home and wait until /ping answers 200."""
    port = free_port()
    env = {**os.environ, "TENDML_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tendml", "serve", *args, "--port", str(port), "--refresh-interval", "0.3"],
        env=env,
        cwd=home.parent,
    )
    server = Server(f"http://127.0.0.1:{port}", port, home, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tendml serve exited with {process.returncode}")
        try:
            if httpx.get(f"{server.url}/ping", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError("tendml serve did not become ready")


@pytest.fixture(scope="session")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in X.columns]
    return X, y


@pytest.fixture(scope="session")
def store_home(tmp_path_factory: pytest.TempPathFactory, iris: tuple[pd.DataFrame, pd.Series]) -> Path:
    """A store with model `iris` (v1 champion: logistic regression; v2 challenger: a depth-1 tree,
    which predicts differently) and `digits` (a NumPy tensor model)."""
    home = tmp_path_factory.mktemp("serving") / ".tendml"
    ws = tendml.connect(home)
    X, y = iris
    ws.log_model(LogisticRegression(max_iter=1000).fit(X, y), "iris", input_example=X.head())
    ws.log_model(DecisionTreeClassifier(max_depth=1).fit(X, y), "iris", input_example=X.head())
    ws.registry.set_alias("iris", "champion", 1)
    ws.registry.set_alias("iris", "challenger", 2)
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 4))
    from sklearn.linear_model import Ridge

    ws.log_model(Ridge().fit(A, A @ np.array([1.0, 2.0, 3.0, 4.0])), "tensor", input_example=A[:3])
    from tendml.store import close_stores

    close_stores()
    return home


def copy_store(store_home: Path, into: Path) -> Path:
    """A private copy of the pristine store (servers write prediction logs into their store)."""
    import shutil

    home = into / ".tendml"
    shutil.copytree(store_home, home)
    return home


@pytest.fixture(scope="module")
def server(store_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a test module: iris by its traffic policy and the tensor model."""
    running = start_server(copy_store(store_home, tmp_path_factory.mktemp("server")), "iris", "tensor")
    yield running
    running.stop()


@pytest.fixture
def own_home(store_home: Path, tmp_path: Path) -> Path:
    """A private copy of the store, for tests that move aliases, change policies or count the log."""
    return copy_store(store_home, tmp_path / "own")


def log_reader(home: Path):  # type: ignore[no-untyped-def]
    from tendml.artifacts import ArtifactStore
    from tendml.logs import LogReader

    return LogReader(ArtifactStore(str(home / "artifacts")))
