"""Performance metrics equal scikit-learn's to 1e-9; the bootstrap interval covers as it should."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from tendml.core.errors import ValidationFailed
from tendml.stats.performance import (
    accuracy,
    bootstrap_ci,
    expected_calibration_error,
    f1,
    log_loss,
    mae,
    mape,
    precision,
    r2,
    recall,
    rmse,
    roc_auc,
)

TOL = 1e-9


def _binary(n: int = 3000, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Rounded scores make many ties, the case a rank-based AUC must get right.
    proba = np.round(rng.beta(2, 3, size=n), 2)
    y = (rng.uniform(size=n) < proba).astype(int)
    return y, proba, (proba > 0.5).astype(int)


def _multiclass(n: int = 3000, k: int = 5, seed: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=row) for row in proba])
    return y, proba, proba.argmax(axis=1)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(precision, skm.precision_score), (recall, skm.recall_score), (f1, skm.f1_score)],
)
@pytest.mark.parametrize("average", ["binary", "macro"])
def test_precision_recall_f1_equal_sklearn(ours: Callable[..., float], theirs: Any, average: str) -> None:
    y, _, pred = _binary() if average == "binary" else _multiclass()
    assert ours(y, pred, average=average) == pytest.approx(theirs(y, pred, average=average), abs=TOL)
    assert accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred), abs=TOL)


def test_macro_counts_every_label_including_never_predicted_and_string_labels() -> None:
    names = np.array(["cat", "dog", "emu", "fox"])
    rng = np.random.default_rng(3)
    y = names[rng.integers(0, 4, size=500)]
    pred = np.where(
        rng.uniform(size=500) < 0.6, y, names[rng.integers(0, 3, size=500)]
    )  # "fox" rarely predicted
    pred[pred == "fox"] = "emu"
    for ours, theirs in [(precision, skm.precision_score), (recall, skm.recall_score), (f1, skm.f1_score)]:
        expected = theirs(y, pred, average="macro", zero_division=0)
        assert ours(y, pred, average="macro") == pytest.approx(expected, abs=TOL)
        subset = ["dog", "emu"]
        expected = theirs(y, pred, average="macro", labels=subset, zero_division=0)
        assert ours(y, pred, average="macro", labels=subset) == pytest.approx(expected, abs=TOL)
    spam = np.array(["ham", "spam", "spam", "ham"])
    assert precision(spam, np.array(["spam"] * 4), pos_label="spam") == pytest.approx(0.5)


def test_binary_average_rejects_more_than_two_classes() -> None:
    with pytest.raises(ValidationFailed, match="macro") as err:
        f1([0, 1, 2], [0, 1, 2])
    assert err.value.field == "average"


def test_zero_division_is_zero_as_sklearn() -> None:
    y, pred = np.array([1, 1, 0]), np.array([0, 0, 0])
    assert precision(y, pred) == skm.precision_score(y, pred, zero_division=0) == 0.0
    assert f1(np.zeros(3, int), np.zeros(3, int)) == 0.0


def test_roc_auc_binary_with_ties_and_multiclass_ovr_equal_sklearn() -> None:
    y, proba, _ = _binary()
    assert roc_auc(y, proba) == pytest.approx(skm.roc_auc_score(y, proba), abs=TOL)
    y, proba, _ = _multiclass()
    expected = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert roc_auc(y, proba) == pytest.approx(expected, abs=TOL)
    labels = np.array(["a", "b", "c", "d", "e"])
    assert roc_auc(labels[y], proba, labels=labels) == pytest.approx(expected, abs=TOL)


def test_roc_auc_needs_both_classes() -> None:
    with pytest.raises(ValidationFailed, match="undefined"):
        roc_auc([1, 1, 1], [0.2, 0.5, 0.9], labels=[0, 1])
    with pytest.raises(ValidationFailed, match="columns"):
        roc_auc([0, 1, 2], [0.2, 0.5, 0.9])


def test_log_loss_equals_sklearn_with_clipping() -> None:
    y, proba, _ = _binary()
    proba = proba.copy()
    proba[:5] = 1.0 - y[:5]  # certain and wrong: clipped to ε as sklearn does
    assert log_loss(y, proba) == pytest.approx(skm.log_loss(y, proba), abs=TOL)
    y, proba, _ = _multiclass()
    assert log_loss(y, proba) == pytest.approx(skm.log_loss(y, proba), abs=TOL)
    with pytest.raises(ValidationFailed, match=r"\[0, 1\]"):
        log_loss([0, 1], [0.5, 1.5])


def _ece_from_sklearn(outcome: np.ndarray, confidence: np.ndarray, n_bins: int) -> float:
    prob_true, prob_pred = calibration_curve(outcome, confidence, n_bins=n_bins, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], confidence), minlength=n_bins)
    return float(np.sum(counts[counts > 0] / outcome.size * np.abs(prob_true - prob_pred)))


@pytest.mark.parametrize("n_bins", [5, 10, 15])
def test_expected_calibration_error_matches_calibration_curve(n_bins: int) -> None:
    y, proba, _ = _binary()
    expected = _ece_from_sklearn(y, proba, n_bins)
    assert expected_calibration_error(y, proba, n_bins=n_bins) == pytest.approx(expected, abs=TOL)
    y, proba, pred = _multiclass()
    expected = _ece_from_sklearn((pred == y).astype(int), proba.max(axis=1), n_bins)
    assert expected_calibration_error(y, proba, n_bins=n_bins) == pytest.approx(expected, abs=TOL)


def test_regression_metrics_equal_sklearn() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(10, 3, size=2000)
    y[:3] = 0.0  # MAPE floors |y| at ε as sklearn does
    pred = y + rng.normal(0, 1, size=2000)
    assert mae(y, pred) == pytest.approx(skm.mean_absolute_error(y, pred), abs=TOL)
    assert rmse(y, pred) == pytest.approx(skm.root_mean_squared_error(y, pred), abs=TOL)
    assert mape(y, pred) == pytest.approx(skm.mean_absolute_percentage_error(y, pred), rel=TOL)
    assert r2(y, pred) == pytest.approx(skm.r2_score(y, pred), abs=TOL)
    constant = np.full(4, 2.0)
    assert r2(constant, constant) == skm.r2_score(constant, constant) == 1.0
    assert r2(constant, constant + 1) == skm.r2_score(constant, constant + 1) == 0.0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: mae([1.0, 2.0], [1.0]), "y_pred"),
        (lambda: mae([1.0, np.nan], [1.0, 2.0]), "y_true"),
        (lambda: accuracy([], []), "y_true"),
        (lambda: precision([0, 1], [0, 1], average="micro"), "average"),  # type: ignore[arg-type]
        (lambda: expected_calibration_error([0, 1], [0.1, 0.9], n_bins=0), "n_bins"),
        (lambda: bootstrap_ci(accuracy, [0, 1], [0, 1], level=1.5), "level"),
    ],
)
def test_bad_input_names_the_field(call: Callable[[], object], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        call()
    assert err.value.field == field


def test_bootstrap_ci_is_reproducible_and_brackets_the_estimate() -> None:
    y, proba, pred = _binary(n=800)
    low, high = bootstrap_ci(accuracy, y, pred, n=300, seed=7)
    assert (low, high) == bootstrap_ci(accuracy, y, pred, n=300, seed=7)
    assert low < accuracy(y, pred) < high
    # The width of a 95 % percentile interval of a proportion is about 2·1.96·√(p(1−p)/n).
    p = accuracy(y, pred)
    assert high - low == pytest.approx(2 * 1.96 * np.sqrt(p * (1 - p) / y.size), rel=0.2)
    low, high = bootstrap_ci(roc_auc, y, proba, n=100)
    assert low < roc_auc(y, proba) < high


def test_bootstrap_ci_covers_the_true_accuracy_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(5)
    truth, covered = 0.8, 0
    for seed in range(200):
        correct = (rng.uniform(size=300) < truth).astype(int)
        low, high = bootstrap_ci(accuracy, correct, np.ones(300, int), n=200, seed=seed)
        covered += low <= truth <= high
    assert 0.90 <= covered / 200 <= 0.99


def test_stratified_bootstrap_keeps_a_rare_class_in_every_resample() -> None:
    rng = np.random.default_rng(6)
    y = np.zeros(400, int)
    y[:3] = 1
    score = rng.uniform(size=400) + y
    with pytest.raises(ValidationFailed):
        bootstrap_ci(roc_auc, y, score, n=300)  # some resample draws none of the 3 positives
    low, high = bootstrap_ci(roc_auc, y, score, n=300, stratified=True)
    assert 0.5 < low <= high <= 1.0
