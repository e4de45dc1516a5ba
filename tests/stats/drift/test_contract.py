"""One contract every drift method meets (as scikit-learn's estimator checks): fit, score, nulls, errors."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from tendml.core.errors import ValidationFailed
from tendml.stats.drift import METHODS, DriftMethod, DriftResult, get_method

NAMES = sorted(METHODS)


def samples(name: str, shift: bool, size: int = 3000, seed: int = 0) -> np.ndarray:
    """Numbers for the methods that take them, a two-valued category column for the others."""
    rng = np.random.default_rng(seed)
    if METHODS[name].kind == "categorical":
        return np.where(rng.random(size) < (0.8 if shift else 0.5), "a", "b")
    return rng.normal(1.0 if shift else 0.0, 1.0, size)


def with_nulls(values: np.ndarray, count: int) -> np.ndarray:
    holes = np.array([None] * count, dtype=object) if values.dtype.kind == "U" else np.full(count, np.nan)
    return np.concatenate((values.astype(object) if values.dtype.kind == "U" else values, holes))


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_the_method_and_score_a_frozen_result(name: str) -> None:
    method = get_method(name)()
    assert isinstance(method, DriftMethod) and method.name == name
    assert method.fit(samples(name, False)) is method
    result = method.score(samples(name, False, seed=1))
    assert isinstance(result, DriftResult) and result.method == name
    assert result.threshold == method.default_threshold == (0.05 if method.is_test else 0.1)
    assert (result.p_value is None) == (not method.is_test)
    assert (result.reference_count, result.current_count, result.nulls) == (3000, 3000, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.drifted = True  # type: ignore[misc]
    assert json.loads(json.dumps(result.to_dict()))["method"] == name


@pytest.mark.parametrize("name", NAMES)
def test_same_distribution_no_drift_and_a_shift_drifts(name: str) -> None:
    method = get_method(name)().fit(samples(name, False))
    assert not method.score(samples(name, False, seed=1)).drifted
    assert method.score(samples(name, True, seed=2)).drifted


@pytest.mark.parametrize("name", NAMES)
def test_the_verdict_is_the_threshold_rule(name: str) -> None:
    # Samples that differ a little, so that p-values sit inside (0, 1).
    rng = np.random.default_rng(9)
    if METHODS[name].kind == "categorical":
        reference, current = rng.random(400) < 0.5, rng.random(400) < 0.56
    else:
        reference, current = rng.normal(size=400), rng.normal(0.12, 1.0, size=400)
    result = get_method(name)().fit(reference).score(current)
    value = result.p_value if result.p_value is not None else result.statistic
    assert 0 < value < 1
    # a test drifts when p < threshold (strictly), a distance when statistic >= threshold
    just_above = float(np.nextafter(value, 2))
    drifts_at, holds_at = (just_above, value) if result.p_value is not None else (value, just_above)
    drifts = get_method(name)(threshold=drifts_at).fit(reference).score(current)
    holds = get_method(name)(threshold=holds_at).fit(reference).score(current)
    assert drifts.drifted and not holds.drifted


@pytest.mark.parametrize("name", NAMES)
def test_nulls_are_dropped_and_counted(name: str) -> None:
    reference, current = samples(name, False), samples(name, True, seed=2)
    clean = get_method(name)().fit(reference).score(current)
    holed = get_method(name)().fit(with_nulls(reference, 7)).score(with_nulls(current, 5))
    assert holed == dataclasses.replace(clean, nulls=5)


@pytest.mark.parametrize("name", NAMES)
def test_empty_samples_are_refused_naming_the_field(name: str) -> None:
    empty, nulls = samples(name, False)[:0], with_nulls(samples(name, False)[:0], 3)
    for reference in (empty, nulls):
        with pytest.raises(ValidationFailed, match="reference has no values") as error:
            get_method(name)().fit(reference)
        assert error.value.field == "reference"
    method = get_method(name)().fit(samples(name, False))
    for current in (empty, nulls):
        with pytest.raises(ValidationFailed, match="current has no values") as error:
            method.score(current)
        assert error.value.field == "current"


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_and_bad_thresholds_are_refused(name: str) -> None:
    method = get_method(name)()
    with pytest.raises(ValidationFailed, match="not fitted"):
        method.score(samples(name, False))
    with pytest.raises(ValidationFailed, match="1-D") as error:
        method.fit(samples(name, False).reshape(-1, 2))
    assert error.value.field == "reference"
    bad = [0, -0.1, float("nan"), float("inf"), "0.05", True] + ([1.5] if method.is_test else [])
    for threshold in bad:
        with pytest.raises(ValidationFailed, match="threshold must be") as error:
            get_method(name)(threshold=threshold).fit(samples(name, False))  # type: ignore[arg-type]
        assert error.value.field == "threshold"


@pytest.mark.parametrize("name", [n for n in NAMES if METHODS[n].kind == "numeric"])
def test_numeric_methods_refuse_strings_and_counts(name: str) -> None:
    with pytest.raises(ValidationFailed, match="must hold numbers") as error:
        get_method(name)().fit(np.array(["a", "b"]))
    assert error.value.field == "reference"
    with pytest.raises(ValidationFailed, match="not counts"):
        get_method(name)().fit_counts([1, 2])
