"""Peer tools for the benchmarks: each in its own virtual environment, never in tendml's.

A benchmark measures tendml and a peer (MLflow, Evidently, ...) in one run on the same machine. The peer
must not be installed next to tendml, so it gets a private virtual environment under ``bench/.venvs/<name>``,
built once and reused (``bench/.venvs/`` is git-ignored). The benchmark then runs a worker script in that
interpreter and reads one JSON object from its stdout::

    from _peers import peer_python, run_peer

    python = peer_python("mlflow", ["mlflow>=3,<4"])
    result = run_peer(python, __file__, ["--worker", "mlflow"])

Only the standard library is used here, so any interpreter can import this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

__all__ = ["VENVS_DIR", "PeerError", "peer_python", "run_peer"]

VENVS_DIR = Path(os.environ.get("TENDML_BENCH_VENVS", Path(__file__).resolve().parent / ".venvs"))
"""Where peer environments live (``TENDML_BENCH_VENVS`` overrides ``bench/.venvs``)."""

_MARKER = "tendml-bench-peer.json"
# Variables of the calling environment that would make a peer see tendml's venv or sources.
_LEAKY_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__")


class PeerError(RuntimeError):
    """A peer environment could not be built, or a peer script failed or printed no JSON."""


def _python_in(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _clean_env(overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` so two benchmarks never build the same venv at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, builds are rare and manual there
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: Sequence[str | os.PathLike[str]], what: str) -> str:
    proc = subprocess.run(
        [os.fspath(c) for c in cmd], capture_output=True, text=True, env=_clean_env(), check=False
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise PeerError(f"{what} failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return proc.stdout


def peer_python(name: str, requirements: list[str], *, rebuild: bool = False, verbose: bool = True) -> Path:
    """Return the python executable of the peer environment ``name``, building it the first time.

    The environment is ``VENVS_DIR/<name>``, made with ``python -m venv`` (from the interpreter running
    this code) and ``pip install <requirements>``. It is reused as long as it was built with the same
    requirements and the same base Python; otherwise, or with ``rebuild=True``, it is rebuilt from scratch.
    A half-built environment (an interrupted install) is never reused: the marker file is written last.
    """
    if not name or Path(name).name != name or name.startswith("."):
        raise ValueError(f"peer name must be a plain folder name, got {name!r}")
    venv = VENVS_DIR / name
    python = _python_in(venv)
    wanted = {
        "requirements": list(requirements),
        "base_python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    with _locked(VENVS_DIR / f".{name}.lock"):
        marker = venv / _MARKER
        if not rebuild and python.exists() and marker.exists():
            with contextlib.suppress(ValueError, OSError):
                built = json.loads(marker.read_text())
                if {k: built.get(k) for k in wanted} == wanted:
                    return python
        if venv.exists():
            shutil.rmtree(venv)
        if verbose:
            print(f"[bench] building peer venv {venv} with: {' '.join(requirements)}", file=sys.stderr)
        _run([sys.executable, "-m", "venv", venv], f"creating venv {name!r}")
        if requirements:
            _run([python, "-m", "pip", "install", "--quiet", *requirements], f"installing {name!r}")
        frozen = _run([python, "-m", "pip", "freeze", "--all"], f"listing {name!r} packages").split()
        marker.write_text(json.dumps({**wanted, "installed": frozen}, indent=1) + "\n")
    return python


def _last_json_object(text: str) -> dict[str, object] | None:
    """The JSON object that is the whole of ``text``, else the last line of ``text`` that is one."""
    with contextlib.suppress(ValueError):
        value = json.loads(text)
        return value if isinstance(value, dict) else None
    for raw in reversed(text.strip().splitlines()):
        line = raw.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    return value
    return None


def run_peer(
    python: Path,
    script: str | os.PathLike[str],
    args: list[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
) -> dict[str, object]:
    """Run ``script`` with ``python`` and return the JSON object it printed on stdout.

    ``script`` is the path of a Python file; a string containing a newline is taken as source code
    instead and run with ``python -c``. The child's stdout must be one JSON object, or end with a line that
    is one (so stray prints before it are tolerated); stderr is passed through to ours as the peer's log.
    ``env`` adds (or, with ``None``, removes) environment variables; ``VIRTUAL_ENV``, ``PYTHONPATH`` and
    ``PYTHONHOME`` are never inherited, so the peer cannot import tendml's environment by accident.
    """
    source = os.fspath(script)
    if "\n" in source:
        cmd = [os.fspath(python), "-c", source, *args]
    elif Path(source).is_file():
        cmd = [os.fspath(python), source, *args]
    else:
        raise FileNotFoundError(f"peer script not found: {source}")
    shown = f"{os.fspath(python)} {'-c <source>' if cmd[1] == '-c' else source} {' '.join(args)}"
    try:
        proc = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=None,  # the peer's own logging goes straight to our stderr
            text=True,
            env=_clean_env(env),
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"peer script timed out after {timeout}s: {shown}") from exc
    if proc.returncode != 0:
        raise PeerError(f"peer script failed (exit {proc.returncode}): {shown}\n{proc.stdout[-2000:]}")
    result = _last_json_object(proc.stdout)
    if result is None:
        raise PeerError(f"peer script printed no JSON object on stdout; it printed:\n{proc.stdout[-2000:]}")
    return result
