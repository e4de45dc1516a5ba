"""Tracking: tendml vs MLflow (SQLite backend), side by side in one run on the same machine.

Workload, identical for both tools, each in a fresh process on a fresh SQLite file in a temp folder:

(a) ``--runs`` runs (default 20), each timed as one unit: start run, 5 x ``log_param``, 10 x ``log_metric``,
    end run. Also as extra rows: the same run with the batch calls ``log_params`` + ``log_metrics``.
(b) ``--calls`` single ``log_metric`` calls (default 1,000) in one run, each call timed, plus the end of the
    run (where a buffering client flushes) timed on its own and added to the per-call total, so buffering
    cannot hide cost. Extra rows: the same number of values logged as ``log_metrics`` calls of 10 values.

One warm-up run that uses every call is made first and not timed (it creates the schema and warms caches).
MLflow runs in its own virtual environment (``bench/.venvs/mlflow``, built on first use) so it is never
installed next to tendml; tendml runs in the interpreter running this script. Timing is
``time.perf_counter_ns`` with the garbage collector left enabled.

    python bench/tracking.py [--runs 20] [--calls 1000] [--json PATH] [--only {mlflow,tendml}]

Prints a table (median and mean for each tool, ratio MLflow / tendml) and optionally writes JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

MLFLOW_REQUIREMENTS = ["mlflow>=3,<4"]
TARGET_RATIO = 20.0
"""Target of the issue: tendml >= 20x faster than MLflow (DESIGN.md's budget is >= 10x)."""

N_PARAMS = 5
N_METRICS = 10
BATCH_WIDTH = 10
"""Values per ``log_metrics`` call in the batch variant of workload (b)."""

PARAMS: dict[str, Any] = {"p0": 1, "p1": 0.001, "p2": "adam", "p3": 128, "p4": "relu"}
METRICS: dict[str, float] = {f"m{i}": 0.5 + i / 100 for i in range(N_METRICS)}
assert len(PARAMS) == N_PARAMS

ns = time.perf_counter_ns


# --------------------------------------------------------------------------------------------- workers
# Each worker runs in its own process and prints one JSON object: raw timings in nanoseconds.


def _mlflow_worker(runs: int, calls: int, workdir: Path) -> dict[str, Any]:
    import mlflow
    import sqlalchemy
    from mlflow.environment_variables import MLFLOW_ENABLE_ASYNC_LOGGING

    db = workdir / "mlflow.db"
    mlflow.set_tracking_uri(f"sqlite:///{db}")
    mlflow.create_experiment("bench", artifact_location=(workdir / "artifacts").as_uri())
    mlflow.set_experiment("bench")
    params, metrics, one_param, one_metric = _split_payload()

    # Warm-up, not timed: every call once.
    mlflow.start_run()
    mlflow.log_param(*one_param)
    mlflow.log_params(params)
    mlflow.log_metric(*one_metric, step=0)
    mlflow.log_metrics(metrics, step=0)
    mlflow.end_run()

    # (a) one run as a user writes it, call by call.
    gc.collect()
    run_per_call = []
    for _ in range(runs):
        t0 = ns()
        mlflow.start_run()
        for key, value in PARAMS.items():
            mlflow.log_param(key, value)
        for key, value in METRICS.items():
            mlflow.log_metric(key, value, step=0)
        mlflow.end_run()
        run_per_call.append(ns() - t0)

    # (a) extra: the same run with the batch calls.
    gc.collect()
    run_batch = []
    for _ in range(runs):
        t0 = ns()
        mlflow.start_run()
        mlflow.log_params(PARAMS)
        mlflow.log_metrics(METRICS, step=0)
        mlflow.end_run()
        run_batch.append(ns() - t0)

    # (b) single log_metric calls in one run, then the end of the run on its own.
    gc.collect()
    metric_calls = []
    mlflow.start_run()
    for step in range(calls):
        t0 = ns()
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        metric_calls.append(ns() - t0)
    t0 = ns()
    mlflow.end_run()
    metric_end = ns() - t0

    # (b) extra: the same number of values as log_metrics calls of BATCH_WIDTH values.
    gc.collect()
    batch_calls = []
    mlflow.start_run()
    for step in range(calls // BATCH_WIDTH):
        values = {f"k{j}": 1.0 / (step + j + 1) for j in range(BATCH_WIDTH)}
        t0 = ns()
        mlflow.log_metrics(values, step=step)
        batch_calls.append(ns() - t0)
    t0 = ns()
    mlflow.end_run()
    batch_end = ns() - t0

    return {
        "tool": "mlflow",
        "version": mlflow.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "backend": f"sqlite:///{db}",
        "async_logging": bool(MLFLOW_ENABLE_ASYNC_LOGGING.get()),
        "samples_ns": {
            "run_per_call": run_per_call,
            "run_batch": run_batch,
            "log_metric_call": metric_calls,
            "log_metric_end": [metric_end],
            "log_metrics_call": batch_calls,
            "log_metrics_end": [batch_end],
        },
        "stored": _count_rows(db, metrics_table="metrics", params_table="params"),
    }


def _import_tendml() -> Any:
    """Import tendml from this checkout (ahead of any installed copy) and check the tracking API is there."""
    sys.path.insert(0, str(REPO_ROOT))
    try:
        import tendml
    except ImportError as exc:
        raise SystemExit(
            f"error: cannot import tendml from {REPO_ROOT} with {sys.executable}: {exc}\n"
            "Run this benchmark with tendml's environment, e.g. `.venv/bin/python bench/tracking.py`."
        ) from exc
    if not callable(getattr(tendml, "connect", None)):
        where = getattr(tendml, "__file__", None) or ", ".join(getattr(tendml, "__path__", []))
        raise SystemExit(
            f"error: tendml.connect is missing (tendml imported from {where}).\n"
            "This benchmark needs the tracking API: `ws = tendml.connect(home=...)`, "
            "`with ws.start_run(experiment=...) as run: run.log_param/log_params/log_metric/log_metrics`.\n"
            "Run it once that API has landed, or measure the peer alone with `--only mlflow`."
        )
    return tendml


def _tendml_version(tendml: Any) -> str:
    version = getattr(tendml, "__version__", None)
    if version:
        return str(version)
    with contextlib.suppress(Exception):
        from importlib.metadata import version as dist_version

        return dist_version("tendml")
    with contextlib.suppress(Exception):
        import tomllib

        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
        return f"{project['version']} (source)"
    return "unknown"


def _tendml_worker(runs: int, calls: int, workdir: Path) -> dict[str, Any]:
    tendml = _import_tendml()

    ws = tendml.connect(home=workdir)  # a Workspace on SQLite in workdir, migrations applied on first use
    params, metrics, one_param, one_metric = _split_payload()

    # Warm-up, not timed: every call once.
    with ws.start_run(experiment="bench") as run:
        run.log_param(*one_param)
        run.log_params(params)
        run.log_metric(*one_metric, step=0)
        run.log_metrics(metrics, step=0)

    # (a) one run as a user writes it, call by call.
    gc.collect()
    run_per_call = []
    for _ in range(runs):
        t0 = ns()
        with ws.start_run(experiment="bench") as run:
            for key, value in PARAMS.items():
                run.log_param(key, value)
            for key, value in METRICS.items():
                run.log_metric(key, value, step=0)
        run_per_call.append(ns() - t0)

    # (a) extra: the same run with the batch calls.
    gc.collect()
    run_batch = []
    for _ in range(runs):
        t0 = ns()
        with ws.start_run(experiment="bench") as run:
            run.log_params(PARAMS)
            run.log_metrics(METRICS, step=0)
        run_batch.append(ns() - t0)

    # (b) single log_metric calls in one run, then the end of the run (leaving the `with`) on its own.
    gc.collect()
    metric_calls = []
    with ws.start_run(experiment="bench") as run:
        for step in range(calls):
            t0 = ns()
            run.log_metric("loss", 1.0 / (step + 1), step=step)
            metric_calls.append(ns() - t0)
        t_end = ns()
    metric_end = ns() - t_end

    # (b) extra: the same number of values as log_metrics calls of BATCH_WIDTH values.
    gc.collect()
    batch_calls = []
    with ws.start_run(experiment="bench") as run:
        for step in range(calls // BATCH_WIDTH):
            values = {f"k{j}": 1.0 / (step + j + 1) for j in range(BATCH_WIDTH)}
            t0 = ns()
            run.log_metrics(values, step=step)
            batch_calls.append(ns() - t0)
        t_end = ns()
    batch_end = ns() - t_end

    stored = _count_rows(workdir / "tendml.db", metrics_table="run_metrics", params_table="run_params")
    close = getattr(ws, "close", None)
    if callable(close):
        close()
    import sqlalchemy

    return {
        "tool": "tendml",
        "version": _tendml_version(tendml),
        "sqlalchemy": sqlalchemy.__version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "backend": f"sqlite:///{workdir / 'tendml.db'}",
        "samples_ns": {
            "run_per_call": run_per_call,
            "run_batch": run_batch,
            "log_metric_call": metric_calls,
            "log_metric_end": [metric_end],
            "log_metrics_call": batch_calls,
            "log_metrics_end": [batch_end],
        },
        "stored": stored,
    }


def _split_payload() -> tuple[dict[str, Any], dict[str, float], tuple[str, Any], tuple[str, float]]:
    """The warm-up payload: one param and one metric by single call, the rest by batch call."""
    (k0, v0), *rest = PARAMS.items()
    (m0, x0), *mrest = METRICS.items()
    return dict(rest), dict(mrest), (k0, v0), (m0, x0)


def _count_rows(db: Path, *, metrics_table: str, params_table: str) -> dict[str, int] | None:
    """Rows actually stored (a sanity check that nothing was dropped); None if the file or tables differ."""
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return {
                "metrics": con.execute(f"SELECT COUNT(*) FROM {metrics_table}").fetchone()[0],
                "params": con.execute(f"SELECT COUNT(*) FROM {params_table}").fetchone()[0],
            }
        finally:
            con.close()
    except sqlite3.Error:
        return None


# --------------------------------------------------------------------------------------------- report


def _row(row_id: str, label: str, unit: str, per: str, *, target: bool = False) -> dict[str, Any]:
    return {"id": row_id, "label": label, "unit": unit, "per": per, "target": target}


ROWS: list[dict[str, Any]] = [
    _row("run_per_call", "(a) run: start, 5 log_param, 10 log_metric, end", "ms", "run", target=True),
    _row("run_batch", "(a) run, batch: start, log_params, log_metrics, end", "ms", "run"),
    _row("log_metric_call", "(b) log_metric, per call", "µs", "call"),
    _row("log_metric_end", "(b) end of run after the log_metric calls", "ms", "run"),
    _row("log_metric_total", "(b) log_metric incl. end of run, per call", "µs", "call", target=True),
    _row("log_metrics_call", f"(b) log_metrics ({BATCH_WIDTH} values), per call", "µs", "call"),
    _row("log_metrics_end", "(b) end of run after the log_metrics calls", "ms", "run"),
    _row("log_metrics_total", "(b) log_metrics incl. end of run, per value", "µs", "value"),
]
"""Rows of the report. ``target`` rows are the ones the >= 20x target applies to (both median and mean)."""

_SCALE = {"ms": 1e6, "µs": 1e3}


def _stats(samples_ns: list[int]) -> dict[str, float | int | None]:
    ordered = sorted(samples_ns)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]  # nearest rank
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) / 1e6,
        "mean_ms": statistics.fmean(ordered) / 1e6,
        "p95_ms": p95 / 1e6,
        "min_ms": ordered[0] / 1e6,
        "max_ms": ordered[-1] / 1e6,
        "total_ms": sum(ordered) / 1e6,
    }


def _summarize(worker: dict[str, Any]) -> dict[str, dict[str, Any]]:
    samples = worker["samples_ns"]
    out = {key: _stats(values) for key, values in samples.items()}
    # Amortized rows: all the caller waited for, end of run included, divided by the calls (or values).
    for key, divisor in (
        ("log_metric", len(samples["log_metric_call"])),
        ("log_metrics", len(samples["log_metrics_call"]) * BATCH_WIDTH),
    ):
        total = sum(samples[f"{key}_call"]) + samples[f"{key}_end"][0]
        out[f"{key}_total"] = {"n": divisor, "median_ms": None, "mean_ms": total / divisor / 1e6,
                               "total_ms": total / 1e6}  # fmt: skip
    return out


def _ratio(mlflow: float | None, tendml: float | None) -> float | None:
    return mlflow / tendml if mlflow is not None and tendml else None


def _build_rows(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    summaries = {tool: _summarize(res) for tool, res in results.items()}
    rows = []
    for spec in ROWS:
        row: dict[str, Any] = {k: v for k, v in spec.items() if k != "target"}
        for tool, summary in summaries.items():
            row[tool] = summary[spec["id"]]
        if "mlflow" in row and "tendml" in row:
            mlflow, tendml = row["mlflow"], row["tendml"]
            row["ratio"] = {s: _ratio(mlflow[f"{s}_ms"], tendml[f"{s}_ms"]) for s in ("median", "mean")}
            if spec.get("target"):
                row["target_ratio"] = TARGET_RATIO
                row["meets_target"] = min(r for r in row["ratio"].values() if r is not None) >= TARGET_RATIO
        rows.append(row)
    return rows


def _fmt(value_ms: float | None, unit: str) -> str:
    if value_ms is None:
        return "—"
    value = value_ms * 1e6 / _SCALE[unit]
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}" if value >= 1 else f"{value:.2g}"


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}×"


def _print_table(rows: list[dict[str, Any]], tools: list[str]) -> None:
    both = len(tools) == 2
    headers = ["workload", "unit"]
    for tool in tools:
        headers += [f"{tool} median", f"{tool} mean"]
    if both:
        headers += ["ratio median", "ratio mean", f"≥{TARGET_RATIO:g}×"]
    table = [headers]
    for row in rows:
        line = [row["label"], f"{row['unit']}/{row['per']}"]
        for tool in tools:
            line += [_fmt(row[tool]["median_ms"], row["unit"]), _fmt(row[tool]["mean_ms"], row["unit"])]
        if both:
            line += [_fmt_ratio(row["ratio"]["median"]), _fmt_ratio(row["ratio"]["mean"])]
            line.append("" if "meets_target" not in row else "yes" if row["meets_target"] else "NO")
        table.append(line)
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    for i, line in enumerate(table):
        cells = zip(line, widths, strict=True)
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(cells)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _expected_rows(runs: int, calls: int) -> dict[str, int]:
    """Metric and param rows each tool must have stored: warm-up, (a) twice, (b) twice."""
    return {
        "metrics": N_METRICS * (1 + 2 * runs) + calls + (calls // BATCH_WIDTH) * BATCH_WIDTH,
        "params": N_PARAMS * (1 + 2 * runs),
    }


# --------------------------------------------------------------------------------------------- main


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs in workload (a) (default 20)")
    parser.add_argument("--calls", type=int, default=1000, help="log_metric calls in (b) (default 1000)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--only", choices=("mlflow", "tendml"), help="measure one tool only (no ratios)")
    parser.add_argument("--rebuild-peer", action="store_true", help="rebuild bench/.venvs/mlflow first")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per tool (default 600)")
    parser.add_argument("--worker", choices=("mlflow", "tendml"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.calls < BATCH_WIDTH:
        parser.error(f"--runs must be >= 1 and --calls >= {BATCH_WIDTH}")
    if args.worker and args.workdir is None:
        parser.error("--worker needs --workdir")
    return args


def _scrubbed_env(extra: dict[str, str]) -> dict[str, str | None]:
    """No MLFLOW_* or TENDML_* setting of the caller leaks into a worker (tracking URI, async logging...)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("MLFLOW_", "TENDML_"))}
    env.update(extra)
    return env


def _measure(args: argparse.Namespace, tools: list[str]) -> dict[str, dict[str, Any]]:
    """Run each tool's worker in its own process on its own fresh folder; return their raw results."""
    sys.path.insert(0, str(BENCH_DIR))
    from _peers import peer_python, run_peer

    pythons: dict[str, Path] = {}
    if "tendml" in tools:
        _import_tendml()  # fail fast, before building anything, if the API is not there
        pythons["tendml"] = Path(sys.executable)
    if "mlflow" in tools:
        pythons["mlflow"] = peer_python("mlflow", MLFLOW_REQUIREMENTS, rebuild=args.rebuild_peer)

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="tendml-bench-tracking-") as tmp:
        for tool in tools:
            workdir = Path(tmp) / tool
            workdir.mkdir()
            print(f"[bench] {tool}: {args.runs} runs, {args.calls} calls ...", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            worker_args = ["--worker", tool, "--runs", str(args.runs), "--calls", str(args.calls)]
            results[tool] = run_peer(
                pythons[tool],
                __file__,
                [*worker_args, "--workdir", str(workdir)],
                env=_scrubbed_env({"TENDML_HOME": str(workdir)} if tool == "tendml" else {}),
                cwd=workdir,  # no tendml.toml or MLflow config of the caller's folder applies
                timeout=args.timeout,
            )
            print(f"[bench] {tool}: done in {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)
    return results


def _machine(load_before: list[float] | None) -> dict[str, Any]:
    """The machine, and its load average before and after the measurement (others' work skews results)."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
        "tmpdir": tempfile.gettempdir(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    with contextlib.suppress(AttributeError, OSError):
        return [round(x, 2) for x in os.getloadavg()]
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.worker:  # inside a worker process: measure one tool, print its JSON
        worker = _mlflow_worker if args.worker == "mlflow" else _tendml_worker
        print(json.dumps(worker(args.runs, args.calls, args.workdir)))
        return 0

    tools = [args.only] if args.only else ["mlflow", "tendml"]
    started, load_before = time.monotonic(), _loadavg()
    results = _measure(args, tools)
    rows = _build_rows(results)
    expected = _expected_rows(args.runs, args.calls)
    verified = {t: None if r["stored"] is None else r["stored"] == expected for t, r in results.items()}
    machine = _machine(load_before)
    versions = {tool: res["version"] for tool, res in results.items()}

    print(f"\nTracking: tendml vs MLflow (SQLite backend) — {args.runs} runs, {args.calls} log_metric calls")
    print(
        f"machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}, "
        f"load average before {load_before and load_before[0]}; "
        + ", ".join(f"{tool} {version}" for tool, version in versions.items())
        + "\n"
    )
    _print_table(rows, tools)
    print()
    for tool, ok in verified.items():
        if ok is False:
            stored = results[tool]["stored"]
            print(f"WARNING: {tool} stored {stored} rows, expected {expected}", file=sys.stderr)
        elif ok is None:
            print(f"note: the rows stored by {tool} could not be counted", file=sys.stderr)
    if len(tools) == 2:
        met = all(row["meets_target"] for row in rows if "meets_target" in row)
        print(f"target: tendml ≥ {TARGET_RATIO:g}× faster on the marked rows: {'met' if met else 'NOT met'}")
    print(f"total wall time: {time.monotonic() - started:.1f} s")

    if args.json:
        report = {
            "benchmark": "tracking",
            "command": shlex.join(["python", "bench/tracking.py", *(sys.argv[1:] if argv is None else argv)]),
            "workload": {
                "runs": args.runs,
                "calls": args.calls,
                "params_per_run": N_PARAMS,
                "metrics_per_run": N_METRICS,
                "batch_width": BATCH_WIDTH,
                "warmup_runs": 1,
                "timer": "time.perf_counter_ns",
                "gc": "enabled",
                "backend": "a SQLite file in a fresh temp folder, one per tool",
            },
            "machine": machine,
            "versions": versions,
            "tools": {t: {k: v for k, v in r.items() if k != "samples_ns"} for t, r in results.items()},
            "target_ratio": TARGET_RATIO,
            "rows": rows,
            "stored_expected": expected,
            "verified": verified,
            "samples_ns": {tool: res["samples_ns"] for tool, res in results.items()},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
