"""tendml's drift statistics against the values Evidently 0.7 and NannyML 0.13 computed on the same
inputs (tests/fixtures/drift/, made by bench/drift_fixtures.py; the versions are in the files).

Equal: every Evidently test and distance on categorical and binary columns (chi-square, Z, PSI,
Jensen–Shannon), KS, normed Wasserstein and Anderson–Darling on numbers, and Evidently's default
choice of method; NannyML's KS statistic and its (unnormed) Wasserstein distance.
Different on purpose: PSI and Jensen–Shannon on numbers, which tendml bins on the reference alone
(Sturges) so that summaries of a window merge exactly, where Evidently bins both samples together;
NannyML's chi2, a test of homogeneity on the contingency table, where Evidently and tendml test the
current counts against the reference's proportions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tendml.stats.drift import choose_method, get_method

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "drift"
EVIDENTLY = json.loads((FIXTURES / "evidently.json").read_text())["cases"]
NANNYML = json.loads((FIXTURES / "nannyml.json").read_text())["cases"]
SAME_AS_EVIDENTLY = {
    "numerical": ("ks", "wasserstein", "anderson"),
    "categorical": ("chisquare", "psi", "jensenshannon"),
    "binary": ("chisquare", "psi", "jensenshannon", "z"),
}


def _score(case: dict[str, Any], method: str) -> Any:
    ref, cur = case["reference"], case["current"]
    if case["type"] == "numerical":
        return get_method(method)().fit(np.array(ref, float)).score(np.array(cur, float))
    categories = sorted(set(ref) | set(cur), key=str)
    counts = [np.array([sample.count(c) for c in categories]) for sample in (ref, cur)]
    return get_method(method)().fit_counts(counts[0]).score_counts(counts[1])


@pytest.mark.parametrize(
    ("case", "method"),
    [(name, m) for name, case in EVIDENTLY.items() for m in SAME_AS_EVIDENTLY[case["type"]]],
)
def test_equal_to_evidently(case: str, method: str) -> None:
    expected = EVIDENTLY[case]["results"][method]
    got = _score(EVIDENTLY[case], method)
    theirs = expected["p_value"] if expected["p_value"] is not None else expected["statistic"]
    ours = got.p_value if got.p_value is not None else got.statistic
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
    assert got.drifted == expected["drifted"]


@pytest.mark.parametrize("case", list(EVIDENTLY))
def test_the_default_method_is_evidentlys(case: str) -> None:
    data = EVIDENTLY[case]
    kind = "numeric" if data["type"] == "numerical" else "categorical"
    unique = len(set(data["reference"]) | set(data["current"]))
    chosen = choose_method(kind, len(data["reference"]), len(data["current"]), unique)
    assert chosen == data["results"]["default"]["method"]


@pytest.mark.parametrize("case", [n for n, c in NANNYML.items() if c["type"] == "numerical"])
def test_equal_to_nannyml(case: str) -> None:
    data = NANNYML[case]
    ks = _score(data, "ks")
    assert ks.statistic == pytest.approx(data["results"]["kolmogorov_smirnov"]["statistic"], rel=1e-9)
    wasserstein = _score(data, "wasserstein").statistic * np.std(np.array(data["reference"], float))
    assert wasserstein == pytest.approx(data["results"]["wasserstein"]["statistic"], rel=1e-9)
