"""Drift: tendml vs Evidently's data-drift report vs NannyML's univariate drift, side by side in one run.

Workload, the same for every side: a reference and a current frame of ``--rows`` rows each (default 100,000
and 1,000,000), 20 numeric columns ``num_00..num_19`` and 5 string columns ``cat_0..cat_4``, generated with
NumPy from ``--seed`` (``NUMERIC_RECIPE``, ``CATEGORICAL_RECIPE``). Drift is injected in 6 numeric and 2
categorical columns; the other 17 are drawn from the same distribution on both sides. A generator process
writes both frames once as Parquet to a temporary folder; each side reads them with its own pandas in its own
process, and only the drift computation is timed, not the reading.

- **tendml**: ``tendml.drift(reference, current).to_dict()`` in tendml's interpreter.
- **evidently**: ``Report([DataDriftPreset()]).run(current, reference)`` on ``Dataset.from_pandas`` with a
  ``DataDefinition`` of the numeric and categorical columns (Evidently 0.7 in ``bench/.venvs/evidently``,
  pandas < 3). Evidently builds its plots inside ``run``: that is its cost as a user pays it.
- **nannyml**: ``UnivariateDriftCalculator(column_names=..., chunk_number=1)``, default methods
  (Jensen-Shannon for continuous and categorical columns), ``fit(reference)`` and ``calculate(current)``
  both timed, in ``bench/.venvs/nannyml``; Jensen-Shannon threshold 0.1 (see ``_nannyml_side``).
- **scipy**: a baseline in tendml's interpreter, the methods Evidently picks at this size written directly
  with SciPy: per column, Wasserstein distance / reference std, or Jensen-Shannon of ``value_counts``.

Each side runs once on the first 5,000 rows (warm-up, not timed), then up to ``--repeat`` timed runs, fewer
once they add up to ``--max-seconds``. Peak memory is the worker's ``getrusage(RUSAGE_SELF).ru_maxrss``, its
high-water mark reset (``/proc/self/clear_refs``) before each timed run and after Arrow's pool handed back
what reading freed: the peak *during* the computation, interpreter and both frames included. The input is
``df.memory_usage(deep=True).sum()`` of both frames as that side's pandas holds them. Targets at 1M rows:
tendml ≤ 1 s, ≥ 50× faster than Evidently, peak memory ≤ 2× its input frames.

    python bench/drift.py [--rows 100000 1000000] [--only tendml evidently ...] [--repeat 3]
                          [--max-seconds 30] [--json PATH] [--rebuild-peer]

Prints a table (time, ratio to tendml, memory, drifted columns found), how Evidently's and SciPy's scores
agree with tendml's, the targets, and optionally JSON. Evidently takes minutes per run at 1M rows here.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import operator
import os
import platform
import resource
import shlex
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from _load import loadavg, machine_info  # noqa: E402

EVIDENTLY_REQUIREMENTS = ["evidently>=0.7,<0.8", "pandas<3", "pyarrow"]
NANNYML_REQUIREMENTS = ["nannyml", "statsmodels", "pandas<3", "pyarrow"]
"""pyarrow reads the Parquet inputs; pandas < 3 because Evidently 0.7 (and NannyML) need it."""

SIDES = ("tendml", "evidently", "nannyml", "scipy")
PEERS = {"evidently": EVIDENTLY_REQUIREMENTS, "nannyml": NANNYML_REQUIREMENTS}
NANNYML_JS_THRESHOLD = 0.1
SEED = 20250601
WARMUP_ROWS = 5000
TARGET_ROWS = 1_000_000
TARGETS = {
    "tendml_seconds": ("tendml wall time at 1M rows (s)", "<=", 1.0),
    "evidently_ratio": ("Evidently / tendml wall time at 1M rows", ">=", 50.0),
    "tendml_memory": ("tendml peak RSS / input frames at 1M rows", "<=", 2.0),
}
"""Targets of the issue (DESIGN.md's budget: ≤ 1 s and ≥ 30× faster than Evidently)."""

NUMERIC = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]
COLUMNS = NUMERIC + CATEGORICAL

# fmt: off
# (distribution, reference parameters, current parameters): a column drifts where they differ.
NUMERIC_RECIPE: list[tuple[str, tuple[float, ...], tuple[float, ...]]] = [
    ("normal", (0.0, 1.0), (0.5, 1.0)),  # mean shift of half a standard deviation
    ("normal", (10.0, 2.0), (10.0, 3.0)),  # scale x1.5
    ("lognormal", (0.0, 0.5), (0.3, 0.5)),
    ("exponential", (1.0,), (1.5,)),
    ("uniform", (0.0, 100.0), (20.0, 120.0)),
    ("poisson", (20.0,), (24.0,)),
    *[(dist, params, params) for dist, params in [
        ("normal", (0.0, 1.0)), ("normal", (-5.0, 0.3)), ("normal", (1000.0, 50.0)), ("exponential", (3.0,)),
        ("lognormal", (1.0, 1.0)), ("uniform", (-1.0, 1.0)), ("poisson", (50.0,)), ("gamma", (2.0, 2.0)),
        ("beta", (2.0, 5.0)), ("normal", (3.0, 10.0)), ("lognormal", (-1.0, 0.25)), ("gamma", (9.0, 0.5)),
        ("uniform", (5.0, 6.0)), ("normal", (0.0, 1e-3)),
    ]],
]
# (number of levels, reference probabilities, current probabilities).
CATEGORICAL_RECIPE: list[tuple[int, str, str]] = [
    (2, "binary:0.30", "binary:0.50"),  # share of "yes" 30 % -> 50 %
    (5, "uniform", "uniform"),
    (12, "zipf", "zipf-reversed-half"),  # the 6 most frequent levels swap weights with the 6 rarest
    (50, "zipf", "zipf"),
    (200, "zipf", "zipf"),
]
# fmt: on
DRIFTED = [c for c, (_, a, b) in zip(COLUMNS, NUMERIC_RECIPE + CATEGORICAL_RECIPE, strict=True) if a != b]


class SideUnavailable(RuntimeError):
    """One side of the comparison cannot run here (the API is missing, its environment did not build)."""


# --------------------------------------------------------------------------------------------- data
# Runs in a child of tendml's interpreter (NumPy, pyarrow): the parent stays on the standard library.


def _levels(index: int, levels: int, spec: str) -> tuple[list[str], Any]:
    """Labels and probabilities of categorical column ``index`` for a recipe ``spec``."""
    import numpy as np

    labels = ["no", "yes"] if levels == 2 else [f"c{index}_{j:03d}" for j in range(levels)]
    if spec.startswith("binary:"):
        return labels, np.array([1.0 - float(spec[7:]), float(spec[7:])])
    weights = np.ones(levels) if spec == "uniform" else 1.0 / np.arange(1, levels + 1)
    if spec == "zipf-reversed-half":
        half = levels // 2
        weights[:half], weights[-half:] = weights[-half:][::-1].copy(), weights[:half][::-1].copy()
    return labels, weights / weights.sum()


def _frame(rows: int, seed: int, which: int) -> Any:
    """The reference (``which=0``) or current (``which=1``) frame as an Arrow table."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng([seed, rows, which])
    arrays: dict[str, Any] = {}
    for name, (dist, ref, cur) in zip(NUMERIC, NUMERIC_RECIPE, strict=True):
        values = getattr(rng, dist)(*(cur if which else ref), size=rows)
        arrays[name] = pa.array(values.astype(np.float64))
    for i, (name, (levels, ref, cur)) in enumerate(zip(CATEGORICAL, CATEGORICAL_RECIPE, strict=True)):
        labels, probabilities = _levels(i, levels, cur if which else ref)
        codes = pa.array(rng.choice(levels, size=rows, p=probabilities).astype(np.int32))
        strings = pa.DictionaryArray.from_arrays(codes, pa.array(labels, type=pa.string()))
        arrays[name] = strings.cast(pa.string())  # plain strings, as most users' data arrives
    return pa.table(arrays)


def _generate(rows: int, seed: int, out: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    files = {}
    for which, name in enumerate(("reference", "current")):
        files[name] = str(out / f"{name}.parquet")
        pq.write_table(_frame(rows, seed, which), files[name])
    return {"rows": rows, "seed": seed, "files": files}


# --------------------------------------------------------------------------------------------- sides
# Each side: run(reference, current) -> its result (timed), summary(result) -> per-column JSON (not timed).


def _tendml_side() -> tuple[Any, Any, dict[str, str]]:
    sys.path.insert(0, str(REPO_ROOT))
    import tendml

    if not callable(getattr(tendml, "drift", None)):
        raise SideUnavailable(
            "tendml.drift is not there yet: this side needs `tendml.drift(reference, current)` returning a "
            "report with `.to_dict()`; measure the peers alone with --only evidently nannyml scipy"
        )

    def run(ref: Any, cur: Any) -> dict[str, Any]:
        return dict(tendml.drift(ref, cur).to_dict())

    def summary(result: dict[str, Any]) -> dict[str, Any]:
        keys = ("type", "method", "statistic", "p_value", "threshold", "drifted")
        columns = {name: {k: _plain(col.get(k)) for k in keys} for name, col in result["columns"].items()}
        return {"columns": columns, "dataset_drift": result.get("dataset_drift")}

    return run, summary, {"tendml": version("tendml")}


def _evidently_side() -> tuple[Any, Any, dict[str, str]]:
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=CATEGORICAL)

    def run(ref: Any, cur: Any) -> Any:
        report = Report([DataDriftPreset()])
        current = Dataset.from_pandas(cur, data_definition=definition)
        reference = Dataset.from_pandas(ref, data_definition=definition)
        return report.run(current, reference)

    return run, _evidently_summary, {"evidently": evidently.__version__}


EVIDENTLY_RULES = {
    "K-S p_value": ("p_value", operator.le),
    "chi-square p_value": ("p_value", operator.lt),
    "Z-test p_value": ("p_value", operator.lt),
    "Wasserstein distance (normed)": ("statistic", operator.ge),
    "Jensen-Shannon distance": ("statistic", operator.ge),
}
"""How Evidently's default tests decide (``legacy/calculations/stattests/*.py``): without ``include_tests``
its report carries each column's score and threshold but no verdict."""


def _evidently_summary(snapshot: Any) -> dict[str, Any]:
    """Per column: method, score, threshold and drifted (by the method's rule), from ValueDrift metrics."""
    columns: dict[str, Any] = {}
    count = None
    for metric in snapshot.dict().get("metrics", []):
        config = metric.get("config", {})
        if config.get("type", "").endswith(":DriftedColumnsCount"):
            count = metric.get("value")
        elif config.get("type", "").endswith(":ValueDrift"):
            method, score, threshold = config["method"], _plain(metric["value"]), config["threshold"]
            kind, rule = EVIDENTLY_RULES.get(method, (None, None))
            columns[config["column"]] = {
                "method": method,
                "statistic": score if kind != "p_value" else None,
                "p_value": score if kind == "p_value" else None,
                "threshold": threshold,
                "drifted": None if rule is None else bool(rule(score, threshold)),
            }
    return {"columns": columns, "drifted_columns_count": count}


def _nannyml_side() -> tuple[Any, Any, dict[str, str]]:
    import warnings

    import nannyml as nml
    from nannyml.thresholds import ConstantThreshold

    warnings.filterwarnings("ignore", message="The resulting number of chunks is too low")  # 1 is meant

    # NannyML 0.13 derives every default threshold from the spread of the reference's chunks; with the
    # whole reference as one chunk that is 0 and every column alerts. Evidently's 0.1 is used instead.
    thresholds = {"jensen_shannon": ConstantThreshold(lower=None, upper=NANNYML_JS_THRESHOLD)}

    def run(ref: Any, cur: Any) -> Any:
        calc = nml.UnivariateDriftCalculator(column_names=COLUMNS, chunk_number=1, thresholds=thresholds)
        calc.fit(ref)
        return calc.calculate(cur)

    def summary(result: Any) -> dict[str, Any]:
        renamed = {"value": "statistic", "alert": "drifted"}
        frame = result.filter(period="analysis").to_df()
        columns: dict[str, Any] = {}
        for column, method, key in frame.columns:
            if column in COLUMNS:
                value = _plain(frame[column, method, key].iloc[0])
                columns.setdefault(column, {"method": method})[renamed.get(key, key)] = value
        return {"columns": columns}

    return run, summary, {"nannyml": nml.__version__}


def _scipy_side() -> tuple[Any, Any, dict[str, str]]:
    import numpy as np
    import pandas as pd
    import scipy
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import wasserstein_distance

    def run(ref: Any, cur: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in NUMERIC:
            r, c = ref[name].to_numpy(np.float64), cur[name].to_numpy(np.float64)
            out[name] = ("wasserstein_normed", wasserstein_distance(r, c) / np.std(r))
        for name in CATEGORICAL:
            counts = pd.concat([ref[name].value_counts(), cur[name].value_counts()], axis=1)
            counts = counts.fillna(0).to_numpy(np.float64)
            out[name] = ("jensenshannon", jensenshannon(counts[:, 0], counts[:, 1]))
        return out

    def summary(scores: dict[str, Any]) -> dict[str, Any]:
        columns = {}
        for name, (method, score) in scores.items():
            col = {"method": method, "statistic": float(score), "threshold": 0.1}
            columns[name] = col | {"drifted": col["statistic"] >= 0.1}
        return {"columns": columns}

    return run, summary, {"scipy": scipy.__version__}


SIDE_FACTORIES = dict(zip(SIDES, (_tendml_side, _evidently_side, _nannyml_side, _scipy_side), strict=True))


# --------------------------------------------------------------------------------------------- worker


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a NumPy or pandas scalar (NaN becomes None)."""
    value = value.item() if hasattr(value, "item") and not isinstance(value, str) else value
    return None if isinstance(value, float) and math.isnan(value) else value


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (so ru_maxrss measures what follows); False where it cannot be."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
        return True
    return False


def _peak_rss() -> int:
    """This process's peak RSS in bytes (``ru_maxrss`` counts KiB on Linux, bytes on macOS)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1024 if sys.platform == "linux" else 1)


def _worker(side: str, ref_path: Path, cur_path: Path, repeat: int, max_seconds: float) -> dict[str, Any]:
    """Read both frames, warm the side up, then time its drift computation and its peak memory."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    try:
        run, summarize, versions = SIDE_FACTORIES[side]()
    except SideUnavailable as exc:
        return {"side": side, "unavailable": str(exc)}
    t0 = time.perf_counter_ns()
    ref, cur = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
    load_ns = time.perf_counter_ns() - t0
    input_bytes = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    summarize(run(ref.head(WARMUP_ROWS), cur.head(WARMUP_ROWS)))  # warm-up: imports, caches
    gc.collect()
    pa.default_memory_pool().release_unused()  # what reading freed, else mimalloc returns it at its own pace
    load_peak, reset = _peak_rss(), _reset_peak_rss()
    baseline = _peak_rss() if reset else None  # right after a reset, the peak is the current RSS
    samples, peaks, result_summary = [], [], None
    while len(samples) < repeat and (not samples or sum(samples) < max_seconds * 1e9):
        reset = _reset_peak_rss() and reset
        t0 = time.perf_counter_ns()
        result = run(ref, cur)
        samples.append(time.perf_counter_ns() - t0)
        peaks.append(_peak_rss())
        if result_summary is None:
            result_summary = summarize(result)
        del result
        gc.collect()
    versions |= {"pandas": pd.__version__, "numpy": np.__version__, "pyarrow": pa.__version__}
    return {
        "side": side,
        "versions": versions | {"python": platform.python_version()},
        "rows": [len(ref), len(cur)],
        "dtypes": sorted({str(t) for t in ref.dtypes}),
        "load_s": load_ns / 1e9,
        "input_bytes": input_bytes,
        "baseline_rss_bytes": baseline,
        "load_peak_rss_bytes": load_peak,
        "peak_rss_bytes": max(peaks),
        "peak_rss_per_run_bytes": peaks,
        "peak_reset": reset,
        "samples_ns": samples,
        "result": result_summary,
    }


# --------------------------------------------------------------------------------------------- measure


def _run_side(side: str, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Run ``side``'s worker (in its peer environment, built on first use) on one size's files."""
    from _peers import PeerError, peer_python, run_peer

    worker = ["--worker", side, "--inputs", data["files"]["reference"], data["files"]["current"]]
    worker += ["--repeat", str(args.repeat), "--max-seconds", str(args.max_seconds)]
    env, timeout = _scrubbed_env(), args.timeout
    try:
        python = (
            peer_python(side, PEERS[side], rebuild=args.rebuild_peer) if side in PEERS else sys.executable
        )
        result = run_peer(Path(python), __file__, worker, env=env, cwd=REPO_ROOT, timeout=timeout)
    except PeerError as exc:
        raise SideUnavailable(f"{side} failed: {exc}") from exc
    if "unavailable" in result:
        raise SideUnavailable(str(result["unavailable"]))
    return result


def _scrubbed_env() -> dict[str, str | None]:
    """No TENDML_* setting of the caller leaks into a worker; NannyML sends no usage statistics (offline)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("TENDML_")}
    return {**env, "NML_DISABLE_USAGE_LOGGING": "1"}


def _measure(args: argparse.Namespace, sides: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """For each size: generate the Parquet inputs once, then run every side on them, one after the other."""
    from _peers import run_peer

    results: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="tendml-bench-drift-") as tmp:
            print(f"[bench] generating 2 x {rows:,} rows ...", file=sys.stderr, flush=True)
            gen = ["--generate", tmp, "--rows", str(rows), "--seed", str(args.seed)]
            data = run_peer(Path(sys.executable), __file__, gen, env=_scrubbed_env(), timeout=args.timeout)
            results[str(rows)] = {"data": data, "sides": {}}
            for side in (s for s in sides if s not in failures):
                t0 = time.monotonic()
                try:
                    results[str(rows)]["sides"][side] = _run_side(side, data, args)
                    note = f"{rows:,} rows done in {time.monotonic() - t0:.1f} s"
                except SideUnavailable as exc:
                    failures[side], note = str(exc), f"UNAVAILABLE: {exc}"
                print(f"[bench] {side}: {note}", file=sys.stderr, flush=True)
    return results, failures


# --------------------------------------------------------------------------------------------- report


SCORES = ("statistic", "p_value")


def _side_stats(res: dict[str, Any], tendml: dict[str, Any] | None) -> dict[str, Any]:
    """Time, memory and drifted columns of one side at one size; agreement with tendml's verdicts."""
    samples = sorted(res["samples_ns"])
    columns = (res.get("result") or {}).get("columns", {})
    found = sorted(name for name, col in columns.items() if col.get("drifted"))
    peak, base, data = res["peak_rss_bytes"], res["baseline_rss_bytes"], res["input_bytes"]
    stats = {
        "runs": len(samples),
        "median_s": statistics.median(samples) / 1e9,
        "mean_s": statistics.fmean(samples) / 1e9,
        "peak_rss_mb": peak / 2**20,
        "baseline_rss_mb": None if base is None else base / 2**20,
        "input_mb": data / 2**20,
        "peak_over_input": peak / data,
        "extra_over_input": None if base is None else (peak - base) / data,
        "columns_reported": len(columns),
        "drifted": found,
        "missed": sorted(set(DRIFTED) - set(found)),
        "extra": sorted(set(found) - set(DRIFTED)),
    }
    if tendml is not None:  # how far its verdicts and scores are from tendml's, column by column
        same = sum(col.get("drifted") == tendml.get(name, {}).get("drifted") for name, col in columns.items())
        pairs = [(col.get(k), tendml.get(name, {}).get(k)) for name, col in columns.items() for k in SCORES]
        diffs = [abs(a - b) for a, b in pairs if isinstance(a, float) and isinstance(b, float)]
        stats["same_verdict_as_tendml"] = same
        stats["max_score_diff_to_tendml"] = max(diffs, default=None)
    return stats


def _summarize(results: dict[str, Any]) -> dict[str, Any]:
    """Per size and side: :func:`_side_stats` and the side's median time over tendml's."""
    out: dict[str, Any] = {}
    for rows, entry in results.items():
        tendml = entry["sides"].get("tendml")
        ref = None if tendml is None else (tendml.get("result") or {}).get("columns", {})
        stats = {s: _side_stats(r, None if s == "tendml" else ref) for s, r in entry["sides"].items()}
        base = stats.get("tendml", {}).get("median_s")
        for side, s in stats.items():
            s["vs_tendml"] = s["median_s"] / base if base and side != "tendml" else None
        out[rows] = stats
    return out


def _targets(summary: dict[str, Any]) -> dict[str, Any]:
    stats = summary.get(str(TARGET_ROWS), {})
    values = {
        "tendml_seconds": stats.get("tendml", {}).get("median_s"),
        "evidently_ratio": stats.get("evidently", {}).get("vs_tendml"),
        "tendml_memory": stats.get("tendml", {}).get("peak_over_input"),
    }
    out = {}
    for key, (label, op, goal) in TARGETS.items():
        value = values[key]
        met = None if value is None else (operator.le if op == "<=" else operator.ge)(value, goal)
        out[key] = {"label": label, "op": op, "target": goal, "value": value, "met": met}
    return out


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "—" if value is None else format(value, spec) + suffix


SHOWN = [("median s", "median_s", ".3f", ""), ("mean s", "mean_s", ".3f", ""),
         ("× tendml", "vs_tendml", ".1f", "×"), ("peak MiB", "peak_rss_mb", ",.0f", ""),
         ("input MiB", "input_mb", ",.0f", ""), ("peak/input", "peak_over_input", ".2f", "×")]  # fmt: skip
"""The table's numeric columns: header, key of :func:`_side_stats`, format, suffix."""


def _print_table(summary: dict[str, Any], results: dict[str, Any]) -> None:
    found = f"drifted ({len(DRIFTED)} injected)"
    table = [["rows", "side", "version", "runs", *(header for header, *_ in SHOWN), found]]
    for rows, stats in summary.items():
        for side, s in stats.items():
            version = results[rows]["sides"][side]["versions"].get(side, "")
            cells = [_fmt(s[key], spec, suffix) for _, key, spec, suffix in SHOWN]
            found = f"{len(s['drifted'])} (missed {len(s['missed'])}, extra {len(s['extra'])})"
            table.append([f"{int(rows):,}", side, version, str(s["runs"]), *cells, found])
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for i, line in enumerate(table):
        pairs = enumerate(zip(line, widths, strict=True))
        print("  ".join(c.ljust(w) if j in (1, 2, len(line) - 1) else c.rjust(w) for j, (c, w) in pairs))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _print_summary(summary: dict[str, Any], targets: dict[str, Any], failures: dict[str, str]) -> None:
    for rows, stats in summary.items():
        for side, s in stats.items():
            at = f"{side} at {int(rows):,} rows"
            if s["columns_reported"] != len(COLUMNS):
                print(f"WARNING: {at} reported {s['columns_reported']} columns, not {len(COLUMNS)}")
            if s["missed"] or s["extra"]:
                print(f"note: {at}: missed {s['missed']}, flagged too {s['extra']}")
            if side in ("evidently", "scipy") and "same_verdict_as_tendml" in s:  # tendml's default methods
                diff = _fmt(s["max_score_diff_to_tendml"], ".2g")
                same = f"{s['same_verdict_as_tendml']}/{s['columns_reported']}"
                print(f"check: {at} agrees with tendml on {same} verdicts; largest score difference {diff}")
    for t in targets.values():
        if t["value"] is not None:
            verdict = "met" if t["met"] else "NOT met"
            print(f"target: {t['label']} {t['op']} {t['target']:g}: {t['value']:.2f} — {verdict}")
    if str(TARGET_ROWS) not in summary:
        print(f"note: the targets are defined at {TARGET_ROWS:,} rows, which this run did not measure")
    for side, message in failures.items():
        print(f"ERROR: {side} could not be measured: {message}")


# --------------------------------------------------------------------------------------------- main


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000], help="rows per frame")
    parser.add_argument("--only", nargs="+", choices=SIDES, help="measure these sides only")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side and size, at most (3)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="stop repeating past this (30)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the generated frames ({SEED})")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--rebuild-peer", action="store_true", help="rebuild the peers' environments first")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per worker (1800)")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)  # with --inputs REF CUR
    parser.add_argument("--inputs", type=Path, nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.rows) <= WARMUP_ROWS or args.repeat < 1 or (args.worker and not args.inputs):
        parser.error(f"--rows must be more than {WARMUP_ROWS}, --repeat at least 1")
    return args


def _write_json(path: Path, argv: list[str] | None, report: dict[str, Any]) -> None:
    command = shlex.join(["python", "bench/drift.py", *(sys.argv[1:] if argv is None else argv)])
    workload = {
        "numeric_recipe": dict(zip(NUMERIC, NUMERIC_RECIPE, strict=True)),
        "categorical_recipe": dict(zip(CATEGORICAL, CATEGORICAL_RECIPE, strict=True)),
        "drift_injected_in": DRIFTED,
        "nannyml_thresholds": {"jensen_shannon": f"ConstantThreshold(upper={NANNYML_JS_THRESHOLD})"},
        "method": (__doc__ or "").split("\n\n    python bench/drift.py")[0],  # inputs, timing, memory
    }
    document = {"benchmark": "drift", "command": command, "workload": workload, **report}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.generate is not None:  # inside the generator process
        print(json.dumps(_generate(args.rows[0], args.seed, args.generate)))
        return 0
    if args.worker:  # inside a worker process: measure one side, print its JSON
        print(json.dumps(_worker(args.worker, *args.inputs, args.repeat, args.max_seconds)))
        return 0

    sides = list(args.only or SIDES)
    started, load_before = time.monotonic(), loadavg()
    results, failures = _measure(args, sides)
    summary = _summarize(results)
    targets = _targets(summary)
    machine = machine_info(load_before)
    machine.pop("wrk", None)
    after = machine["loadavg_after"]
    versions = {s: r["versions"] for entry in results.values() for s, r in entry["sides"].items()}

    print(f"\nDrift: tendml vs Evidently vs NannyML — {len(COLUMNS)} columns, rows {args.rows}")
    print(
        f"machine: {machine['cpu_count']} CPUs, {machine['platform']}, Python {machine['python']}, "
        f"load average {load_before and load_before[0]} before, {after and after[0]} after\n"
    )
    _print_table(summary, results)
    print()
    _print_summary(summary, targets, failures)
    print(f"total wall time: {time.monotonic() - started:.1f} s")
    if args.json:
        report = {"machine": machine, "versions": versions, "results": results, "summary": summary}
        _write_json(args.json, argv, {**report, "targets": targets, "failures": failures})
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
