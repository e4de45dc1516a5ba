"""Serving: tendml's inference server vs ``mlflow models serve`` vs a bare ASGI endpoint, in one run.

The same model behind three servers, one after the other on the same machine, each on a free loopback
port with one uvicorn worker, driven by ``wrk`` with the same request bytes:

- **mlflow**: ``mlflow models serve -m <uri> --env-manager local -w 1`` (MLflow 3 in its own virtual
  environment, ``bench/.venvs/mlflow``), the model logged with ``mlflow.sklearn.log_model(...,
  pyfunc_predict_fn="predict_proba")`` into a temporary SQLite tracking store; without an input example by
  default (no signature to enforce: MLflow's faster variant), with one under ``--mlflow-signature``.
- **bare**: a minimal Starlette app on uvicorn (one worker, no access log): POST /invocations parses the
  body with orjson, builds the NumPy array, calls ``model.predict_proba`` and returns
  ``{"predictions": [...]}``. No batching, no validation, no logging: the limit of one request per call.
- **tendml**: ``tendml serve bench@champion --workers 1`` with prediction logging on (its default), the
  model registered with ``ws.log_model(model, "bench", input_example=...)`` and alias ``champion``.

Model: ``HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)`` on
``make_classification(n_samples=20000, n_features=20, random_state=0)``, columns ``f0..f19`` (float).
Body: MLflow's ``{"dataframe_split": {"columns": [...], "data": [[...]]}}`` with 1 or 100 rows.
Scenarios: 1 row at concurrency 1, 8 and 32 (wrk -t1 -c1, -t2 -c8, -t2 -c32), 100 rows at concurrency 8;
each a ``--duration`` run (default 10 s) after a 2 s warm-up run. Before the load, one request per body
checks the status and that the answers are the model's probabilities (class labels are accepted, noted).
Every server runs with ``OMP_NUM_THREADS=1`` (``--omp-threads``): wrk shares the machine's CPUs, and
scikit-learn's OpenMP threads spin-waiting against it made runs erratic (up to 10× apart on 2 CPUs).

    python bench/serving.py [--duration 10] [--only {mlflow,bare,tendml}] [--port-base N] [--json PATH]

Prints a table (req/s, p50, p99, errors per server and scenario), the ratios tendml / MLflow and
tendml / bare, and whether the targets are met; optionally writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from _load import (  # noqa: E402
    HOST,
    LoadError,
    WrkResult,
    free_port,
    loadavg,
    machine_info,
    post,
    run_wrk,
    running_server,
    write_post_script,
)

MLFLOW_REQUIREMENTS = ["mlflow>=3,<4"]
SERVERS = ("mlflow", "bare", "tendml")
N_FEATURES = 20
COLUMNS = [f"f{i}" for i in range(N_FEATURES)]
WARMUP_S = 2.0
TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
TARGETS = {
    "c32_vs_mlflow": ("tendml / MLflow throughput at c=32", ">=", 10.0),
    "c32_vs_bare": ("tendml / bare throughput at c=32", ">=", 1.5),
    "c1_p50_vs_bare": ("tendml p50 / bare p50 at c=1", "<=", 1.3),
}
"""Targets of the issue. DESIGN.md's budget: ≤ 1.3× latency at c=1, ≥ 0.8× the bare throughput at c=32."""


@dataclass(frozen=True)
class Scenario:
    """One load: ``rows`` per request, wrk with ``threads`` threads and ``connections`` connections."""

    id: str
    rows: int
    threads: int
    connections: int


SCENARIOS = (
    Scenario("c1", 1, 1, 1),
    Scenario("c8", 1, 2, 8),
    Scenario("c32", 1, 2, 32),
    Scenario("c8_100rows", 100, 2, 8),
)

BARE_APP = '''"""The bare endpoint of bench/serving.py: one request, one predict_proba call, nothing else."""
import os
import pickle
import warnings

import numpy as np
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# The model was fitted on a DataFrame and gets an array here: silence sklearn's per-call name warning.
warnings.filterwarnings("ignore", message="X does not have valid feature names")
with open(os.environ["BENCH_MODEL"], "rb") as f:
    MODEL = pickle.load(f)


async def ping(request: Request) -> Response:
    return Response(b"\\n", media_type="application/json")


async def invocations(request: Request) -> Response:
    payload = orjson.loads(await request.body())
    x = np.asarray(payload["dataframe_split"]["data"], dtype=np.float64)
    proba = MODEL.predict_proba(x)
    body = orjson.dumps({"predictions": proba}, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json")


app = Starlette(routes=[Route("/ping", ping), Route("/invocations", invocations, methods=["POST"])])

if __name__ == "__main__":
    uvicorn.run(app, host=os.environ["BENCH_HOST"], port=int(os.environ["BENCH_PORT"]), workers=1,
                access_log=False, log_level="warning")
'''


class SideUnavailable(RuntimeError):
    """One server of the comparison cannot run here (missing command, failed setup)."""


# --------------------------------------------------------------------------------------------- workers
# Run in a child process (MLflow in its own venv) and print one JSON object.


def _mlflow_worker(workdir: Path, signature: bool) -> dict[str, Any]:
    import mlflow
    import sklearn

    model = pickle.loads((workdir / "model.pkl").read_bytes())
    example = _example(workdir)
    tracking_uri = f"sqlite:///{workdir / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking_uri)
    experiment = mlflow.create_experiment("bench", artifact_location=(workdir / "artifacts").as_uri())
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            input_example=example if signature else None,  # an example gives a signature, enforced per call
            pyfunc_predict_fn="predict_proba",
            skops_trusted_types=[TREE_PREDICTOR],  # MLflow 3 saves with skops, which asks for this one
        )
    return {
        "model_uri": info.model_uri,
        "tracking_uri": tracking_uri,
        "signature": info.signature is not None,
        "version": mlflow.__version__,
        "sklearn": sklearn.__version__,
        "python": platform.python_version(),
    }


def _tendml_worker(workdir: Path) -> dict[str, Any]:
    import sklearn

    sys.path.insert(0, str(REPO_ROOT))
    import tendml

    model = pickle.loads((workdir / "model.pkl").read_bytes())
    example = _example(workdir)
    ws = tendml.connect(home=workdir)
    version = ws.log_model(model, "bench", input_example=example)
    ws.registry.set_alias("bench", "champion", version.version)
    close = getattr(ws, "close", None)
    if callable(close):
        close()
    return {
        "model_uri": "bench@champion",
        "model_version": version.version,
        "sklearn": sklearn.__version__,
        "version": _dist_version("tendml"),
        "python": platform.python_version(),
    }


def _example(workdir: Path) -> Any:
    """The input example (the first rows of the training frame), float64 columns f0..f19."""
    import pandas as pd

    split = json.loads((workdir / "example.json").read_text())
    return pd.DataFrame(split["data"], columns=split["columns"], dtype="float64")


# --------------------------------------------------------------------------------------------- setup


def _prepare(workdir: Path) -> dict[str, Any]:
    """Train the model, pickle it for the servers, and write the request bodies and the wrk scripts."""
    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = make_classification(n_samples=20000, n_features=N_FEATURES, random_state=0)
    frame = pd.DataFrame(x, columns=COLUMNS)
    model = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)
    model.fit(frame, y)
    (workdir / "model.pkl").write_bytes(pickle.dumps(model))
    frame.head().to_json(workdir / "example.json", orient="split", index=False, double_precision=15)
    bodies, scripts, expected = {}, {}, {}
    for rows in sorted({s.rows for s in SCENARIOS}):
        data = [[float(v) for v in row] for row in x[:rows]]
        body = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": data}}).encode()
        bodies[rows] = workdir / f"body_{rows}.json"
        bodies[rows].write_bytes(body)
        scripts[rows] = write_post_script(workdir / f"post_{rows}.lua", bodies[rows])
        expected[rows] = model.predict_proba(pd.DataFrame(data, columns=COLUMNS))
    return {"bodies": bodies, "scripts": scripts, "expected": expected}


def _clean_env(extra: dict[str, str], path_first: Path | None = None) -> dict[str, str]:
    """The caller's environment without venv leaks or MLFLOW_* / TENDML_* settings, plus ``extra``."""
    leaky = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if k not in leaky and not k.startswith(("MLFLOW_", "TENDML_"))}
    if path_first is not None:  # `mlflow models serve` runs the `uvicorn` it finds on PATH: its own
        env["PATH"] = os.pathsep.join([str(path_first), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return {**env, **extra}


def _tendml_command() -> Path:
    """The ``tendml`` CLI next to this interpreter, once it has ``serve``; else :class:`SideUnavailable`."""
    cli = Path(sys.executable).parent / "tendml"
    if not cli.exists():
        cli = Path(shutil.which("tendml") or cli)
    try:
        proc = subprocess.run(
            [cli, "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SideUnavailable(f"cannot run `{cli} serve --help`: {exc}") from exc
    if proc.returncode != 0:
        raise SideUnavailable(
            f"`tendml serve` is not available yet (`{cli} serve --help` exited {proc.returncode}). "
            "This side needs the inference server's CLI; measure the others with --only mlflow / --only bare."
        )
    return cli


def _bare_side(workdir: Path, port: int) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    app = workdir / "bare_app.py"
    app.write_text(BARE_APP)
    env = {"BENCH_MODEL": str(workdir.parent / "model.pkl"), "BENCH_HOST": HOST, "BENCH_PORT": str(port)}
    info = {"python": platform.python_version()}
    info.update((name, _dist_version(name)) for name in ("uvicorn", "starlette", "scikit-learn"))
    return [sys.executable, str(app)], _clean_env(env), info


def _mlflow_side(
    workdir: Path, port: int, args: argparse.Namespace
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    from _peers import peer_python, run_peer

    python = peer_python("mlflow", MLFLOW_REQUIREMENTS, rebuild=args.rebuild_peer)
    worker = ["--worker", "mlflow", "--workdir", str(workdir)]
    worker += ["--mlflow-signature"] if args.mlflow_signature else []
    info = run_peer(python, __file__, worker, env=_clean_env({}), cwd=workdir, timeout=600)
    serve = ["models", "serve", "-m", str(info["model_uri"]), "--env-manager", "local"]
    cmd = [str(python.parent / "mlflow"), *serve, "-h", HOST, "-p", str(port), "-w", "1"]
    return cmd, _clean_env({"MLFLOW_TRACKING_URI": str(info["tracking_uri"])}, python.parent), info


def _tendml_side(
    workdir: Path, port: int, args: argparse.Namespace
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    from _peers import run_peer

    cli = _tendml_command()  # before registering anything: fail fast if the server is not there
    env = _clean_env({"TENDML_HOME": str(workdir)})
    worker = ["--worker", "tendml", "--workdir", str(workdir)]
    info = run_peer(Path(sys.executable), __file__, worker, env=env, cwd=workdir, timeout=600)
    host_port = ["--host", HOST, "--port", str(port)]
    return [str(cli), "serve", "bench@champion", *host_port, "--workers", "1", *args.tendml_arg], env, info


def _server_command(
    side: str, workdir: Path, port: int, args: argparse.Namespace
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """Set ``side`` up in ``workdir`` (log or register the model) and return its command, env and info."""
    from _peers import PeerError

    if side == "bare":
        return _bare_side(workdir, port)
    for name in ("model.pkl", "example.json"):
        shutil.copy(workdir.parent / name, workdir / name)
    try:
        return _mlflow_side(workdir, port, args) if side == "mlflow" else _tendml_side(workdir, port, args)
    except PeerError as exc:
        raise SideUnavailable(f"setting up {side} failed: {exc}") from exc


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


# --------------------------------------------------------------------------------------------- measure


def _check_response(side: str, status: int, body: bytes, expected: Any) -> str:
    """Fail unless the server answered 200 with the model's probabilities; describe what it returned."""
    import numpy as np

    if status != 200:
        raise LoadError(f"{side}: /invocations answered {status}: {body[:500]!r}")
    predictions = json.loads(body).get("predictions")
    got = np.asarray(predictions, dtype=np.float64)
    if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        return "predict_proba"
    if got.shape == expected.shape[:1] and np.array_equal(got, expected.argmax(axis=1)):
        return "predict (class labels)"  # a server that answers labels does less work; reported
    raise LoadError(f"{side}: predictions differ from the model's: {str(predictions)[:300]}")


def _measure_side(
    side: str, workdir: Path, port: int, prepared: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Start one server, check its answers, run every scenario (warm-up, then measured), stop it."""
    cmd, env, info = _server_command(side, workdir, port, args)
    if args.omp_threads:  # the same for every server; see --omp-threads
        env["OMP_NUM_THREADS"] = str(args.omp_threads)
    print(f"[bench] {side}: starting on {HOST}:{port}: {shlex.join(cmd)}", file=sys.stderr, flush=True)
    results: dict[str, Any] = {}
    log, wait = workdir / "server.log", args.ready_timeout
    with running_server(
        side, cmd, port=port, env=env, log_path=log, cwd=workdir, ready_timeout=wait
    ) as server:
        url = server.url("/invocations")
        answers = {}
        for rows, body_path in prepared["bodies"].items():
            status, body = post(url, body_path.read_bytes())
            answers[rows] = _check_response(side, status, body, prepared["expected"][rows])
        for scenario in SCENARIOS:
            if args.scenario and scenario.id not in args.scenario:
                continue
            load = {"threads": scenario.threads, "connections": scenario.connections}
            script = prepared["scripts"][scenario.rows]
            run_wrk(url, script, **load, duration=WARMUP_S)
            result = run_wrk(url, script, **load, duration=args.duration)
            results[scenario.id] = result.as_dict()
            print(f"[bench] {side} {scenario.id}: {_describe(result)}", file=sys.stderr, flush=True)
            if server.process.poll() is not None:
                raise LoadError(f"{side} exited during {scenario.id}:\n{server.log_tail()}")
    info["omp_num_threads"] = env.get("OMP_NUM_THREADS")
    return {"command": shlex.join(cmd), "answers": answers, "info": info, "scenarios": results}


def _describe(r: WrkResult) -> str:
    return f"{r.req_per_s:,.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, errors {r.errors}"


def _measure(args: argparse.Namespace, sides: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Measure each side in turn on its own temp folder; a side that cannot run is reported, not fatal."""
    results: dict[str, Any] = {}
    failures: dict[str, str] = {}
    taken: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="tendml-bench-serving-") as tmp:
        root = Path(tmp)
        print("[bench] training the model ...", file=sys.stderr, flush=True)
        prepared = _prepare(root)
        for side in sides:
            workdir = root / side
            workdir.mkdir()
            port = free_port(args.port_base, taken)
            t0 = time.monotonic()
            try:
                results[side] = _measure_side(side, workdir, port, prepared, args)
            except (SideUnavailable, LoadError) as exc:
                failures[side] = str(exc)
                print(f"[bench] {side}: FAILED: {exc}", file=sys.stderr, flush=True)
            else:
                print(f"[bench] {side}: done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    return results, failures


# --------------------------------------------------------------------------------------------- report


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _value(results: dict[str, Any], side: str, scenario: str, key: str) -> float | None:
    value = results.get(side, {}).get("scenarios", {}).get(scenario, {}).get(key)
    return None if value is None else float(value)


def _ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Per scenario, tendml / MLflow and tendml / bare throughput; tendml p50 / bare p50 at c=1."""
    out: dict[str, Any] = {}
    for s in SCENARIOS:
        rps = {side: _value(results, side, s.id, "req_per_s") for side in SERVERS}
        out[s.id] = {
            "tendml_vs_mlflow_rps": _ratio(rps["tendml"], rps["mlflow"]),
            "tendml_vs_bare_rps": _ratio(rps["tendml"], rps["bare"]),
            "bare_vs_mlflow_rps": _ratio(rps["bare"], rps["mlflow"]),
        }
    out["c1"]["tendml_vs_bare_p50"] = _ratio(
        _value(results, "tendml", "c1", "p50_ms"), _value(results, "bare", "c1", "p50_ms")
    )
    return out


def _targets(ratios: dict[str, Any]) -> dict[str, Any]:
    values = {
        "c32_vs_mlflow": ratios["c32"]["tendml_vs_mlflow_rps"],
        "c32_vs_bare": ratios["c32"]["tendml_vs_bare_rps"],
        "c1_p50_vs_bare": ratios["c1"]["tendml_vs_bare_p50"],
    }
    out = {}
    for key, (label, op, goal) in TARGETS.items():
        value = values[key]
        met = None if value is None else value >= goal if op == ">=" else value <= goal
        out[key] = {"label": label, "op": op, "target": goal, "value": value, "met": met}
    return out


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "—" if value is None else format(value, spec) + suffix


def _print_table(results: dict[str, Any], ratios: dict[str, Any]) -> None:
    headers = ["scenario", "server", "req/s", "p50 ms", "p99 ms", "errors", "tendml/MLflow", "tendml/bare"]
    table = [headers]
    for s in SCENARIOS:
        for side in SERVERS:
            row = results.get(side, {}).get("scenarios", {}).get(s.id)
            if row is None:
                continue
            label = f"{s.rows} row{'s' * (s.rows > 1)}, c={s.connections} (-t{s.threads})"
            cells = [label, side, f"{row['req_per_s']:,.0f}", f"{row['p50_ms']:.2f}", f"{row['p99_ms']:.2f}"]
            cells.append(str(row["errors"]))
            if side == "tendml":
                ratio = ratios[s.id]
                cells.append(_fmt(ratio["tendml_vs_mlflow_rps"], ".1f", "×"))
                cells.append(_fmt(ratio["tendml_vs_bare_rps"], ".2f", "×"))
            table.append(cells + [""] * (len(headers) - len(cells)))
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    for i, line in enumerate(table):
        pairs = zip(line, widths, strict=True)
        print("  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(pairs)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _print_summary(results: dict[str, Any], failures: dict[str, str], targets: dict[str, Any]) -> bool:
    """Errors, answers that are not probabilities, targets; True if the run is clean."""
    clean = not failures
    if "mlflow" in results:
        print(f"note: MLflow's model has {'a' if results['mlflow']['info']['signature'] else 'no'} signature")
    for side, res in results.items():
        for scenario, row in res["scenarios"].items():
            if row["errors"]:
                clean = False
                print(
                    f"WARNING: {side} {scenario}: {row['non2xx']} non-2xx responses, "
                    f"socket errors {row['socket_errors']}"
                )
        if any(kind != "predict_proba" for kind in res["answers"].values()):
            print(f"note: {side} answers {set(res['answers'].values())}, not predict_proba")
    if "tendml" in results and len(results) > 1:
        for t in targets.values():
            if t["value"] is not None:
                verdict = "met" if t["met"] else "NOT met"
                print(f"target: {t['label']} {t['op']} {t['target']:g}: {t['value']:.2f} — {verdict}")
    for side, message in failures.items():
        print(f"ERROR: {side} could not be measured: {message}")
    return clean


# --------------------------------------------------------------------------------------------- main


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run (default 10)")
    parser.add_argument("--only", choices=SERVERS, help="measure one server only (no ratios)")
    parser.add_argument("--port-base", type=int, help="first port to try (default: any free port)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.id for s in SCENARIOS],
        help="run only this scenario (repeatable; default all)",
    )
    parser.add_argument(
        "--tendml-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument of `tendml serve` (repeatable): --tendml-arg=--no-log",
    )
    parser.add_argument(
        "--omp-threads",
        type=int,
        default=1,
        help="OMP_NUM_THREADS for every server (default 1: wrk shares the CPUs; 0 = the library's default)",
    )
    parser.add_argument("--ready-timeout", type=float, default=120.0, help="seconds to wait for /ping")
    parser.add_argument(
        "--mlflow-signature",
        action="store_true",
        help="log MLflow's model with an input example, so a signature enforced per request (slower)",
    )
    parser.add_argument("--rebuild-peer", action="store_true", help="rebuild bench/.venvs/mlflow first")
    parser.add_argument("--worker", choices=("mlflow", "tendml"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.duration < 1:
        parser.error("--duration must be at least 1 second")
    if args.port_base is not None and not 1024 <= args.port_base < 65536:
        parser.error("--port-base must be in 1024..65535")
    return args


def _write_json(path: Path, argv: list[str] | None, report: dict[str, Any]) -> None:
    command = shlex.join(["python", "bench/serving.py", *(sys.argv[1:] if argv is None else argv)])
    workload = {
        "model": "HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0)",
        "data": f"make_classification(n_samples=20000, n_features={N_FEATURES}, random_state=0)",
        "body": "MLflow dataframe_split, columns f0..f19",
        "warmup_s": WARMUP_S,
        "scenarios": [s.__dict__ for s in SCENARIOS],
        "uvicorn_workers": 1,
    }
    document = {"benchmark": "serving", "command": command, "workload": workload, **report}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.worker:  # inside a worker process: set one side up, print its JSON
        if args.worker == "mlflow":
            print(json.dumps(_mlflow_worker(args.workdir, signature=args.mlflow_signature)))
        else:
            print(json.dumps(_tendml_worker(args.workdir)))
        return 0
    if shutil.which("wrk") is None:
        print("error: wrk is not installed; install it with `apt-get install -y wrk`", file=sys.stderr)
        return 2

    sides = [args.only] if args.only else list(SERVERS)
    started, load_before = time.monotonic(), loadavg()
    results, failures = _measure(args, sides)
    ratios = _ratios(results)
    targets = _targets(ratios)
    machine = machine_info(load_before)
    after = machine["loadavg_after"]

    print(
        f"\nServing: tendml vs MLflow vs a bare ASGI endpoint — {args.duration:g} s per run, one worker each"
    )
    print(
        f"machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}, "
        f"load average {load_before and load_before[0]} before, {after and after[0]} after; "
        + ", ".join(f"{side} {res['info'].get('version', '')}".strip() for side, res in results.items())
        + "\n"
    )
    _print_table(results, ratios)
    print()
    clean = _print_summary(results, failures, targets)
    print(f"total wall time: {time.monotonic() - started:.1f} s")
    if args.json:
        report = {"machine": machine, "servers": results, "failures": failures, "ratios": ratios}
        _write_json(args.json, argv, {**report, "targets": targets})
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
