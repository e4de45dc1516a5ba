"""HTTP load for the benchmarks: start a server on a loopback port, wait for it, drive it with wrk, stop it.

Only the standard library is used here. Servers are started in their own session (process group) so that
stopping one (SIGTERM, then SIGKILL after a grace period) also stops the workers it spawned, and never
anything else. Every wrk run is bounded in time (its ``--duration``, plus a hard subprocess timeout).

    with running_server(cmd, port=port, env=env, log_path=log) as server:
        result = run_wrk(server.url("/invocations"), lua, threads=2, connections=32, duration=10)
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "HOST",
    "LoadError",
    "RunningServer",
    "WrkResult",
    "free_port",
    "loadavg",
    "machine_info",
    "post",
    "run_wrk",
    "running_server",
    "write_post_script",
]

HOST = "127.0.0.1"
"""The only address the benchmarks listen on and send load to."""

_DONE_MARK = "BENCH-DONE "


class LoadError(RuntimeError):
    """A server did not start or answer, or wrk failed or printed something unexpected."""


# --------------------------------------------------------------------------------------------- ports


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def free_port(base: int | None = None, taken: set[int] | None = None) -> int:
    """A free TCP port on 127.0.0.1: the first free one from ``base`` on, or one the kernel picks."""
    taken = taken if taken is not None else set()
    if base is None:
        for _ in range(50):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((HOST, 0))
                port = int(sock.getsockname()[1])
            if port not in taken:
                taken.add(port)
                return port
        raise LoadError("the kernel kept handing out ports already in use")
    for port in range(base, min(base + 200, 65536)):
        if port not in taken and _bindable(port):
            taken.add(port)
            return port
    raise LoadError(f"no free port on {HOST} in {base}..{base + 199}")


# --------------------------------------------------------------------------------------------- servers


@dataclass
class RunningServer:
    """A server process started by :func:`running_server`."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


def _get_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return None


def _wait_ready(server: RunningServer, paths: Sequence[str], timeout: float) -> str:
    """Poll ``paths`` until one answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            raise LoadError(
                f"{server.name} exited with code {code} before it was ready:\n{server.log_tail()}"
            )
        for path in paths:
            if _get_status(server.url(path)) == 200:
                return path
        time.sleep(0.2)
    raise LoadError(f"{server.name} not ready after {timeout:.0f} s on {list(paths)}:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it is still there after ``grace`` s."""
    if process.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # workers it left behind, if any
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def running_server(
    name: str,
    cmd: Sequence[str | os.PathLike[str]],
    *,
    port: int,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
    ready_paths: Sequence[str] = ("/ping", "/health"),
    ready_timeout: float = 120.0,
) -> Iterator[RunningServer]:
    """Start ``cmd`` in its own session, wait until ``ready_paths`` answers 200, and always stop it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [os.fspath(c) for c in cmd],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,  # its own process group: stopping it stops its workers too
        )
        server = RunningServer(name, port, process, log_path)
        try:
            _wait_ready(server, ready_paths, ready_timeout)
            yield server
        finally:
            _stop(process)


def post(url: str, body: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
    """POST a JSON body once (a smoke test before the load); the status and the response body."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


# --------------------------------------------------------------------------------------------- machine


def loadavg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (others' work on the machine skews the results)."""
    with contextlib.suppress(AttributeError, OSError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def machine_info(load_before: list[float] | None) -> dict[str, Any]:
    """The machine, the wrk version, and the load average before and after the measurement."""
    wrk = shutil.which("wrk")
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False) if wrk else None
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "wrk": version.stdout.split(" [")[0].strip() if version else None,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
    }


# --------------------------------------------------------------------------------------------- wrk

_LUA = """-- written by bench/_load.py: POST one fixed JSON body, count responses that are not 2xx
local f = assert(io.open(%(body)s, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests": %%d, "duration_us": %%d, "non2xx": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%.1f, "p99_us": %%.1f, "mean_us": %%.1f}\\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def write_post_script(path: Path, body_path: Path) -> Path:
    """A wrk Lua script that POSTs the bytes of ``body_path`` as ``application/json``."""
    path.write_text(_LUA % {"body": json.dumps(str(body_path)), "mark": _DONE_MARK})
    return path


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency (from ``--latency``) and every kind of failure it counted."""

    threads: int
    connections: int
    duration_s: float
    requests: int
    req_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    non2xx: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return self.non2xx + sum(self.socket_errors.values())

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "errors": self.errors}


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise LoadError(f"cannot read the latency {text!r} in wrk's output")
    return float(match[1]) * _UNITS_MS[match[2]]


def _parse_wrk(out: str, threads: int, connections: int) -> WrkResult:
    """Read wrk's text report (req/s, the ``--latency`` percentiles, socket errors) and the Lua summary."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    done = next((ln[len(_DONE_MARK) :] for ln in out.splitlines() if ln.startswith(_DONE_MARK)), None)
    if not (rps and p50 and p99 and done):
        raise LoadError(f"unexpected wrk output:\n{out[-2000:]}")
    summary = json.loads(done)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = {k: int(summary[k]) for k in ("connect", "read", "write", "timeout")}
    if sock:  # the text line and the Lua summary count the same thing; keep the larger, to be safe
        for key, value in zip(("connect", "read", "write", "timeout"), sock.groups(), strict=True):
            socket_errors[key] = max(socket_errors[key], int(value))
    return WrkResult(
        threads=threads,
        connections=connections,
        duration_s=summary["duration_us"] / 1e6,
        requests=int(summary["requests"]),
        req_per_s=float(rps[1]),
        p50_ms=_ms(p50[1]),
        p99_ms=_ms(p99[1]),
        mean_ms=summary["mean_us"] / 1e3,
        non2xx=max(int(summary["non2xx"]), int(summary["status"])),
        socket_errors=socket_errors,
    )


def run_wrk(
    url: str,
    script: Path,
    *,
    threads: int,
    connections: int,
    duration: float,
    request_timeout: float = 5.0,
) -> WrkResult:
    """Run ``wrk --latency`` against ``url`` (loopback only) for ``duration`` seconds and parse its report."""
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError(f"load is only sent to {HOST}, got {url}")
    wrk = shutil.which("wrk")
    if wrk is None:
        raise LoadError("wrk is not installed (apt-get install -y wrk)")
    cmd = [
        wrk,
        "--latency",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={request_timeout:g}s",
        "-s",
        str(script),
        url,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk did not finish in {duration + 60:.0f} s: {' '.join(cmd)}") from exc
    if proc.returncode != 0:
        raise LoadError(f"wrk failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return _parse_wrk(proc.stdout, threads, connections)
