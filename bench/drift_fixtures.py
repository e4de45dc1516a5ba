"""Reference values for tendml's drift tests: what Evidently 0.7 and NannyML compute on small seeded inputs.

Generates small inputs with NumPy from ``--seed`` (``CASES``: numeric columns of 200 and 5,000 rows with and
without a shift, a scale change or a heavier tail, unequal sizes, integer columns with a few levels;
5-level categorical columns, one with a level new in the current data; binary yes/no columns), runs each
library on every case with every drift method it has for that column type, and writes one JSON file per
library into ``--out`` (default ``tests/fixtures/drift/``). Each file holds the input values themselves
(numbers rounded to 6 decimals, so the files are the inputs), each library's results and its versions.

- **evidently** (``bench/.venvs/evidently``: Evidently 0.7, pandas < 3): for each case and method, a
  one-column ``Report([DataDriftPreset(per_column_method={"value": method})], include_tests=True)`` run on
  ``Dataset.from_pandas`` (``DataDefinition`` numerical or categorical), plus ``DataDriftPreset()`` alone as
  ``"default"`` (the method Evidently picks). Recorded: the method, Evidently's drift score (a p-value or a
  distance, by method), the threshold, the test's verdict, and the rule Evidently applies.
- **nannyml** (``bench/.venvs/nannyml``): for each case and method, ``UnivariateDriftCalculator(
  column_names=["value"], continuous_methods=[m] | categorical_methods=[m], chunk_number=1)``, ``fit`` on
  the reference and ``calculate`` on the current data (one chunk each). Recorded: the value, thresholds and
  alert of the analysis chunk; for chi2 also the p-value its alert uses (read from the fitted method).

    python bench/drift_fixtures.py [--only evidently nannyml] [--out tests/fixtures/drift] [--rebuild-peer]

Run it with tendml's environment from the repository root; the peers' environments are built on first use.
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import platform
import shlex
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from drift import EVIDENTLY_REQUIREMENTS, NANNYML_REQUIREMENTS  # noqa: E402

SEED = 20250601
LIBRARIES = {"evidently": EVIDENTLY_REQUIREMENTS, "nannyml": NANNYML_REQUIREMENTS}
DECIMALS = 6
LEVELS = ["a", "b", "c", "d", "e", "f"]
SKEWED = [0.4, 0.25, 0.15, 0.12, 0.08]

# fmt: off
# (id, type, reference rows, current rows, reference recipe, current recipe); a recipe is a NumPy Generator
# method and its arguments, or ("levels", probabilities) for labels LEVELS[:len(probabilities)], or
# ("binary", share of "yes"), or ("integers", probabilities) for the numbers 0, 1, ... as floats.
CASES: list[tuple[str, str, int, int, tuple[Any, ...], tuple[Any, ...]]] = [
    ("num_n200_same", "numerical", 200, 200, ("normal", 0.0, 1.0), ("normal", 0.0, 1.0)),
    ("num_n200_shift", "numerical", 200, 200, ("normal", 0.0, 1.0), ("normal", 0.5, 1.0)),
    ("num_n200_scale", "numerical", 200, 200, ("normal", 0.0, 1.0), ("normal", 0.0, 2.0)),
    ("num_n5000_same", "numerical", 5000, 5000, ("normal", 0.0, 1.0), ("normal", 0.0, 1.0)),
    ("num_n5000_shift", "numerical", 5000, 5000, ("normal", 0.0, 1.0), ("normal", 0.2, 1.0)),
    ("num_n5000_lognormal_tail", "numerical", 5000, 5000, ("lognormal", 0.0, 0.5), ("lognormal", 0.0, 0.6)),
    ("num_ref5000_cur800_shift", "numerical", 5000, 800, ("normal", 10.0, 2.0), ("normal", 10.5, 2.0)),
    ("num_n200_4_integers", "numerical", 200, 200, ("integers", [0.4, 0.3, 0.2, 0.1]),
     ("integers", [0.25, 0.25, 0.25, 0.25])),
    ("num_n5000_5_integers", "numerical", 5000, 5000, ("integers", [0.3, 0.3, 0.2, 0.1, 0.1]),
     ("integers", [0.3, 0.25, 0.2, 0.15, 0.1])),
    ("cat_n200_same", "categorical", 200, 200, ("levels", SKEWED), ("levels", SKEWED)),
    ("cat_n200_shift", "categorical", 200, 200, ("levels", SKEWED), ("levels", [0.2] * 5)),
    ("cat_n5000_same", "categorical", 5000, 5000, ("levels", SKEWED), ("levels", SKEWED)),
    ("cat_n5000_shift", "categorical", 5000, 5000, ("levels", SKEWED),
     ("levels", [0.35, 0.25, 0.2, 0.12, 0.08])),
    ("cat_n5000_new_level", "categorical", 5000, 5000, ("levels", SKEWED),
     ("levels", [0.38, 0.24, 0.14, 0.12, 0.07, 0.05])),
    ("bin_n200_same", "binary", 200, 200, ("binary", 0.3), ("binary", 0.3)),
    ("bin_n200_shift", "binary", 200, 200, ("binary", 0.3), ("binary", 0.45)),
    ("bin_n5000_same", "binary", 5000, 5000, ("binary", 0.3), ("binary", 0.3)),
    ("bin_n5000_shift", "binary", 5000, 5000, ("binary", 0.3), ("binary", 0.33)),
]
# fmt: on

EVIDENTLY_METHODS = {
    "numerical": ["ks", "wasserstein", "anderson", "cramer_von_mises", "mannw", "t_test", "es", "ed", "psi",
                  "jensenshannon", "kl_div", "hellinger"],
    "categorical": ["chisquare", "g_test", "TVD", "psi", "jensenshannon", "kl_div", "hellinger"],
    "binary": ["z", "fisher_exact", "chisquare", "g_test", "TVD", "psi", "jensenshannon", "kl_div",
               "hellinger"],
}  # fmt: skip
"""Evidently's drift methods by column type (``evidently/legacy/calculations/stattests``), run by name."""

EVIDENTLY_RULES = {
    **dict.fromkeys(("ks", "cramer_von_mises"), ("p_value", "<=")),
    **dict.fromkeys(("anderson", "chisquare", "es", "fisher_exact", "g_test", "mannw", "t_test", "TVD", "z"),
                    ("p_value", "<")),
    **dict.fromkeys(("hellinger", "jensenshannon", "kl_div", "psi", "wasserstein"), ("distance", ">=")),
    "ed": ("distance", ">"),
}  # fmt: skip
"""How each Evidently method decides, read from its source: drifted when ``score <op> threshold``."""

NANNYML_METHODS = {
    "numerical": ["kolmogorov_smirnov", "jensen_shannon", "wasserstein", "hellinger"],
    "categorical": ["chi2", "jensen_shannon", "l_infinity", "hellinger"],
    "binary": ["chi2", "jensen_shannon", "l_infinity", "hellinger"],
}
"""NannyML's univariate drift methods by feature type (``nannyml/drift/univariate/methods.py``)."""

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


# --------------------------------------------------------------------------------------------- inputs


def _sample(rng: Any, recipe: tuple[Any, ...], rows: int) -> list[Any]:
    """``rows`` values drawn by ``recipe`` (see ``CASES``), as plain JSON values."""
    kind, *params = recipe
    if kind == "levels":
        return [LEVELS[i] for i in rng.choice(len(params[0]), size=rows, p=params[0])]
    if kind == "binary":
        return ["yes" if u < params[0] else "no" for u in rng.random(rows)]
    if kind == "integers":
        return [float(i) for i in rng.choice(len(params[0]), size=rows, p=params[0])]
    return [round(float(x), DECIMALS) for x in getattr(rng, kind)(*params, size=rows)]


def _describe(recipe: tuple[Any, ...]) -> str:
    kind, *params = recipe
    return f"{kind}({', '.join(map(str, params))})"


def build_cases(seed: int) -> dict[str, dict[str, Any]]:
    """The inputs of every case: its type, recipe and the reference and current values."""
    import numpy as np

    cases = {}
    for case_id, kind, n_ref, n_cur, ref, cur in CASES:
        rng = np.random.default_rng([seed, zlib.crc32(case_id.encode())])  # a case's values never move
        cases[case_id] = {
            "type": kind,
            "recipe": {"reference": f"{n_ref} x {_describe(ref)}", "current": f"{n_cur} x {_describe(cur)}"},
            "reference": _sample(rng, ref, n_ref),
            "current": _sample(rng, cur, n_cur),
        }
    return cases


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a NumPy or pandas scalar (NaN becomes None)."""
    value = value.item() if hasattr(value, "item") and not isinstance(value, str) else value
    return None if isinstance(value, float) and math.isnan(value) else value


def _error(exc: Exception) -> dict[str, str]:
    return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]}


# --------------------------------------------------------------------------------------------- evidently


def _evidently_worker(cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    import evidently
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.legacy.calculations import stattests
    from evidently.presets import DataDriftPreset

    tests = [t for t in vars(stattests).values() if isinstance(t, stattests.StatTest)]
    names = {t.display_name: t.name for t in tests}
    results: dict[str, Any] = {}
    for case_id, case in cases.items():
        numerical = case["type"] == "numerical"
        columns = {"numerical_columns" if numerical else "categorical_columns": ["value"]}
        definition = DataDefinition(**columns)
        current, reference = (
            Dataset.from_pandas(pd.DataFrame({"value": case[side]}), data_definition=definition)
            for side in ("current", "reference")
        )
        results[case_id] = {}
        for method in ("default", *EVIDENTLY_METHODS[case["type"]]):
            preset = DataDriftPreset(per_column_method=None if method == "default" else {"value": method})
            try:
                snapshot = Report([preset], include_tests=True).run(current, reference)
                results[case_id][method] = _evidently_result(snapshot.dict(), names)
            except Exception as exc:  # noqa: BLE001 - recorded: a method refusing a case is worth knowing
                results[case_id][method] = _error(exc)
    versions = {"evidently": evidently.__version__, "pandas": pd.__version__}
    return {"versions": versions | _versions("numpy", "scipy"), "results": results}


def _evidently_result(document: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The ValueDrift metric of a one-column report: method, score, threshold, and its test's verdict."""
    metric = next(m for m in document["metrics"] if m["config"]["type"].endswith(":ValueDrift"))
    test = next(t for t in document["tests"] if t["metric_config"]["metric_id"] == metric["id"])
    method = names.get(
        metric["config"]["method"], metric["config"]["method"]
    )  # the default gives a display name
    display = {name: display for display, name in names.items()}.get(method, method)
    score, threshold = _plain(metric["value"]), metric["config"]["threshold"]
    kind, op = EVIDENTLY_RULES.get(method, (None, None))
    drifted = test["status"] == "FAIL"
    result = {
        "method": method,
        "display_name": display,
        "score": score,
        "statistic": score if kind == "distance" else None,
        "p_value": score if kind == "p_value" else None,
        "threshold": threshold,
        "drift_rule": None if op is None else f"{'p_value' if kind == 'p_value' else 'score'} {op} threshold",
        "drifted": drifted,
    }
    if op is not None and score is not None and OPS[op](score, threshold) != drifted:
        result["rule_disagrees_with_verdict"] = True  # flagged, never silently fixed
    return result


# --------------------------------------------------------------------------------------------- nannyml


def _nannyml_worker(cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    import warnings

    import nannyml as nml
    import pandas as pd

    warnings.filterwarnings("ignore", message="The resulting number of chunks is too low")  # one is meant
    results: dict[str, Any] = {}
    for case_id, case in cases.items():
        reference, current = (pd.DataFrame({"value": case[side]}) for side in ("reference", "current"))
        key = "continuous_methods" if case["type"] == "numerical" else "categorical_methods"
        results[case_id] = {}
        for method in NANNYML_METHODS[case["type"]]:
            try:
                calc = nml.UnivariateDriftCalculator(
                    column_names=["value"], chunk_number=1, **{key: [method]}
                )
                frame = calc.fit(reference).calculate(current).filter(period="analysis").to_df()
                fitted = calc._column_to_models_mapping["value"][0]  # chi2 keeps its p-value only here
                results[case_id][method] = _nannyml_result(frame, method, fitted)
            except Exception as exc:  # noqa: BLE001 - recorded, as for Evidently
                results[case_id][method] = _error(exc)
    versions = {"nannyml": nml.__version__, "pandas": pd.__version__}
    return {"versions": versions | _versions("numpy", "scipy"), "results": results}


def _nannyml_result(frame: Any, method: str, fitted: Any) -> dict[str, Any]:
    value, upper, lower, alert = (_plain(frame["value", method, key].iloc[0]) for key in
                                  ("value", "upper_threshold", "lower_threshold", "alert"))  # fmt: skip
    p_value = _plain(getattr(fitted, "_p_value", None)) if method == "chi2" else None
    rule = (
        "p_value < 0.05" if method == "chi2" else "statistic > upper_threshold or statistic < lower_threshold"
    )
    return {
        "method": method,
        "display_name": fitted.display_name,
        "statistic": value,
        "p_value": p_value,
        "upper_threshold": upper,
        "lower_threshold": lower,
        "alert_rule": rule,
        "alert": None if alert is None else bool(alert),
    }


def _versions(*names: str) -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in names} | {"python": platform.python_version()}


WORKERS = {"evidently": _evidently_worker, "nannyml": _nannyml_worker}
NOTES = {
    "evidently": [
        "score is Evidently's drift score: a p-value for p_value methods, else a distance (statistic).",
        "drifted is the verdict of the ValueDrift test (status FAIL); drift_rule is how the method decides.",
        "'default' is DataDriftPreset() without a method: Evidently picks by type, reference size "
        "(<= 1000 rows or more) and number of distinct values.",
        "wasserstein is normed by the reference's standard deviation; jensenshannon and psi bin numbers "
        "(Evidently's get_binned_data), categories by value.",
    ],
    "nannyml": [
        "statistic is the value of the analysis chunk (the whole current data) against the reference.",
        "NannyML 0.13 sets every default threshold from the spread of the reference's chunks; with the whole "
        "reference as one chunk that spread is 0, so upper_threshold is the reference's own value and alert "
        "is nearly always true: compare statistic (and chi2's p_value), not alert, except for chi2.",
        "kolmogorov_smirnov and wasserstein use the exact data here (NannyML bins references of 10,000 rows "
        "or more); jensen_shannon and hellinger bin numbers with numpy's 'doane' edges of the reference.",
        "NannyML 0.13 reports no p-value for kolmogorov_smirnov; chi2's p_value is read from the fitted "
        "method (its alert uses it).",
    ],
}


# --------------------------------------------------------------------------------------------- main


def _dump(document: dict[str, Any]) -> str:
    """Indented JSON, with each input column on one line (readable diffs, small files)."""
    arrays = {}
    for case_id, case in document["cases"].items():
        for side in ("reference", "current"):
            marker = f"@@{case_id}:{side}@@"
            arrays[f'"{marker}"'] = json.dumps(case[side], separators=(",", ":"))
            case[side] = marker
    text = json.dumps(document, indent=1, ensure_ascii=False)
    for marker, array in arrays.items():
        text = text.replace(marker, array)
    return text + "\n"


def _run(library: str, cases_path: Path, rebuild: bool) -> dict[str, Any]:
    from _peers import peer_python, run_peer

    python = peer_python(library, LIBRARIES[library], rebuild=rebuild)
    env = {"NML_DISABLE_USAGE_LOGGING": "1"}  # NannyML would try to send usage statistics
    return run_peer(
        python, __file__, ["--worker", library, "--cases", str(cases_path)], env=env, timeout=1800
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(LIBRARIES), help="these libraries only")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "tests/fixtures/drift", help="output folder")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the inputs ({SEED})")
    parser.add_argument("--rebuild-peer", action="store_true", help="rebuild the peers' environments first")
    parser.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--cases", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:  # inside a peer's environment: compute, print one JSON object
        print(json.dumps(WORKERS[args.worker](json.loads(args.cases.read_text()))))
        return 0

    cases = build_cases(args.seed)
    command = shlex.join(["python", "bench/drift_fixtures.py", *(sys.argv[1:] if argv is None else argv)])
    with tempfile.TemporaryDirectory(prefix="tendml-drift-fixtures-") as tmp:
        cases_path = Path(tmp) / "cases.json"
        cases_path.write_text(json.dumps(cases))
        for library in args.only or list(LIBRARIES):
            print(f"[fixtures] {library}: {len(cases)} cases ...", file=sys.stderr, flush=True)
            computed = _run(library, cases_path, args.rebuild_peer)
            document = {
                "library": library,
                "versions": computed["versions"],
                "generated_by": "bench/drift_fixtures.py",
                "command": command,
                "seed": args.seed,
                "notes": NOTES[library],
                "cases": {cid: case | {"results": computed["results"][cid]} for cid, case in cases.items()},
            }
            path = args.out / f"{library}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dump(document))
            errors = sum("error" in r for c in computed["results"].values() for r in c.values())
            print(f"[fixtures] wrote {path} ({errors} method/case pairs refused)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
