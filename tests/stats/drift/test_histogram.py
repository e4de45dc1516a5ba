"""The methods on histograms give the same answer from summaries merged from parts as from raw values."""

from __future__ import annotations

import numpy as np
import pytest

from tendml.core.errors import ValidationFailed
from tendml.stats.drift import PSI, ChiSquare, HistogramMethod, JensenShannon, ZTest
from tendml.stats.summary import CategoricalSummary, NumericSummary

rng = np.random.default_rng(0)
NUMBERS = (
    rng.normal(size=20_000),
    np.concatenate((rng.normal(0.2, 1.1, size=30_000), [np.nan] * 9, [8.0, -9.0])),
)
COLORS = np.array(["red", "green", "blue"], dtype=object)
CATEGORIES = (
    rng.choice(COLORS, size=5000, p=[0.5, 0.3, 0.2]),
    np.concatenate((rng.choice(COLORS, size=7000, p=[0.45, 0.3, 0.25]), [None] * 4, ["violet"] * 3)),
)
BINARY = (rng.random(3000) < 0.4, rng.random(4000) < 0.43)


def merged(
    method: HistogramMethod, values: np.ndarray, parts: int = 6
) -> NumericSummary | CategoricalSummary:
    summaries = [method.summarize(part) for part in np.array_split(values, parts)]
    total = summaries[0]
    for summary in summaries[1:]:
        total = total.merge(summary)  # type: ignore[arg-type]
    return total


@pytest.mark.parametrize(
    ("method", "data"),
    [
        (JensenShannon(), NUMBERS),
        (PSI(bins=30), NUMBERS),
        (JensenShannon(), CATEGORIES),
        (PSI(), CATEGORIES),
        (ChiSquare(), CATEGORIES),
        (ChiSquare(), BINARY),
        (ZTest(), BINARY),
    ],
    ids=[
        "js-numbers",
        "psi-numbers",
        "js-categories",
        "psi-categories",
        "chisquare",
        "chisquare-binary",
        "z",
    ],
)
def test_a_merged_summary_gives_the_answer_of_the_raw_values(method: HistogramMethod, data: tuple) -> None:
    reference, current = data
    raw = method.fit(reference).score(current)
    assert method.score_summary(merged(method, current)) == raw
    assert raw.nulls == sum(v is None or (isinstance(v, float) and np.isnan(v)) for v in current)
    # the reference, too, can be summarised in parts (on its own bins) and merged
    assert type(method)().fit_summary(merged(method, reference)).score(current) == raw


def test_aligned_counts_give_the_answer_of_the_raw_values() -> None:
    reference, current = CATEGORIES
    raw = ChiSquare().fit(reference).score(current)
    ref, cur = CategoricalSummary.of(reference), CategoricalSummary.of(current)
    keys = sorted(set(ref.categories) | set(cur.categories))
    ref_counts = [dict(zip(ref.categories, ref.counts, strict=True)).get(k, 0) for k in keys]
    cur_counts = [dict(zip(cur.categories, cur.counts, strict=True)).get(k, 0) for k in keys]
    counted = ChiSquare().fit_counts(ref_counts).score_counts(cur_counts)
    assert counted.statistic == raw.statistic and counted.p_value == raw.p_value


def test_summaries_that_do_not_match_the_reference_are_refused() -> None:
    method = JensenShannon(bins=10).fit(NUMBERS[0])
    with pytest.raises(ValidationFailed, match="reference's bins") as error:
        method.score_summary(NumericSummary.of([1.0], (0.0, 1.0)))
    assert error.value.field == "current"
    with pytest.raises(ValidationFailed, match="reference's bins"):
        method.score_summary(CategoricalSummary.of(["a"]))
    with pytest.raises(ValidationFailed, match="cannot be fitted on NumericSummary"):
        ChiSquare().fit_summary(method.summarize([1.0]))
    counted = PSI().fit_counts([3, 4, 5])
    with pytest.raises(ValidationFailed, match="bare counts"):
        counted.score(np.array([1.0]))
    with pytest.raises(ValidationFailed, match="current has 2 counts, the reference 3"):
        counted.score_counts([1, 2])
    with pytest.raises(ValidationFailed, match="finite counts"):
        counted.score_counts([1, -2, 3])
    with pytest.raises(ValidationFailed, match="current has no values"):
        counted.score_counts([0, 0, 0])


def test_parameters_are_checked_at_fit() -> None:
    with pytest.raises(ValidationFailed, match="bins must be") as error:
        PSI(bins=0).fit([1.0, 2.0])
    assert error.value.field == "bins"
    with pytest.raises(ValidationFailed, match="categorical must be") as error:
        PSI(categorical="yes").fit([1.0, 2.0])  # type: ignore[arg-type]
    assert error.value.field == "categorical"
    assert PSI(bins="fd").fit(NUMBERS[0]).score(NUMBERS[1]).drifted in (True, False)
