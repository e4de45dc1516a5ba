"""Confidence-based performance estimation (CBPE): how well a classifier does on rows with no labels yet.

A calibrated classifier already says how often it is right: of the rows where it gives the positive
class probability 0.8, about 80 % are positive. CBPE, as NannyML does it, turns that into every
classification metric:

1. ``fit`` calibrates the model's probabilities on a labelled *reference* the model was not trained
   on (isotonic regression, one-vs-rest per class, rows renormalised to sum to one), measures the
   realised metrics there, and measures how much each metric varies from one reference chunk to
   another (its sampling error).
2. ``estimate`` takes the probabilities of an unlabelled window. Each row contributes its calibrated
   probability to the *expected* confusion matrix: a row predicted as class k adds p_k to TP_k and
   1 − p_k to FP_k; a row predicted as another class adds p_k to FN_k. Accuracy is the mean calibrated
   probability of the predicted class (for a binary model deciding at 0.5 after calibration, the mean
   of max(p, 1 − p)); precision, recall and F1 come from the expected counts; ROC AUC sorts rows by
   the model's score and accumulates expected true and false positives into an expected ROC curve.
   Multiclass metrics are one-vs-rest macro averages.
3. The band is value ± 3 sampling errors for the window's size: σ_chunk · √(chunk rows / window rows),
   σ_chunk being the standard deviation of the realised metric over reference chunks. NannyML splits
   the reference into about ten consecutive chunks of one size; here the chunks are ``resamples``
   random draws (with replacement, a bootstrap) at each of a few sizes from 50 rows to ``chunk_size``,
   and the window takes the σ·√rows of its own size (interpolated in log rows). Two reasons, both
   seen on real data (tests/stats/test_estimation.py): the standard deviation of ten values is itself
   uncertain by ±25 %, which on a 900-row reference gave bands half the binomial width that held on
   70 % of windows; and ROC AUC or F1 over a handful of positives varies more than 1/√rows predicts
   from large chunks, so small windows need σ measured on small chunks.

The estimate holds under covariate shift (the inputs move) as long as P(y | x) stays what it was on
the reference; it cannot see concept shift, which only labels reveal.

References: NannyML, "Confidence-based Performance Estimation (CBPE)",
https://nannyml.readthedocs.io/en/stable/how_it_works/performance_estimation.html, and its source
``nannyml/performance_estimation/confidence_based/metrics.py``; isotonic calibration: Zadrozny & Elkan
(2002), "Transforming classifier scores into accurate multiclass probability estimates", KDD.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import isotonic_regression

from tendml.core.errors import ValidationFailed
from tendml.stats.performance import (
    FloatArray,
    IntArray,
    _class_labels,
    _encode,
    _floats,
    _labels_1d,
    _probabilities,
    _ratio,
    _two_columns,
    accuracy,
    f1,
    precision,
    recall,
    roc_auc,
)

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
"""The metrics CBPE can estimate; precision, recall and F1 are of the positive class, or macro."""

_SMALLEST_CHUNK = 50
_CHUNK_SIZES = 6


@dataclass(frozen=True, slots=True)
class Estimate:
    """One estimated metric on one window: its value and the band [lower, upper] it should fall in.

    ``sampling_error`` is the standard error for a window of ``rows`` rows; the band is
    ``value ± width · sampling_error`` clipped to [0, 1].
    """

    metric: str
    value: float
    lower: float
    upper: float
    sampling_error: float
    rows: int


@dataclass(frozen=True, slots=True)
class SamplingError:
    """Standard error of one metric by window size, measured on reference chunks of a few sizes.

    ``row_std[i]`` is σ·√rows over chunks of ``sizes[i]`` rows. Between sizes it is interpolated in
    log(rows); outside them it is held, so the error keeps falling as 1/√rows for large windows.

    >>> SamplingError(sizes=(100, 400), row_std=(0.5, 0.4)).at(400)
    0.02
    """

    sizes: tuple[int, ...]
    row_std: tuple[float, ...]

    def at(self, rows: int) -> float:
        """The standard error of the metric on a window of ``rows`` rows."""
        per_row = float(np.interp(math.log(rows), np.log(self.sizes), self.row_std))
        return per_row / math.sqrt(rows)


class IsotonicCalibrator:
    """Monotone map from a score to the rate of positives observed at that score.

    Fits isotonic regression by pool adjacent violators (``scipy.optimize.isotonic_regression``) on the
    mean outcome of each distinct score, weighted by its count, and predicts by linear interpolation,
    clipped outside the fitted range: the same model as scikit-learn's
    ``IsotonicRegression(out_of_bounds="clip")``.

    >>> cal = IsotonicCalibrator().fit(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]))
    >>> cal.predict(np.array([0.0, 0.25, 1.0])).tolist()
    [0.0, 0.5, 1.0]
    """

    def fit(self, scores: npt.ArrayLike, outcomes: npt.ArrayLike) -> IsotonicCalibrator:
        """Learn the map from ``scores`` to binary (0/1) ``outcomes``; returns ``self``."""
        x, y = _floats(scores, "scores"), _floats(outcomes, "outcomes")
        if x.shape != y.shape:
            raise ValidationFailed(f"scores has {x.size} rows but outcomes has {y.size}", field="outcomes")
        thresholds, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        weights = counts.astype(np.float64)
        means = np.bincount(inverse, weights=y) / weights
        self.thresholds_: FloatArray = thresholds
        self.values_: FloatArray = np.asarray(isotonic_regression(means, weights=weights).x, dtype=np.float64)
        return self

    def predict(self, scores: npt.ArrayLike) -> FloatArray:
        """Calibrated probability of each score."""
        return np.interp(_floats(scores, "scores"), self.thresholds_, self.values_)


class CBPE:
    """Estimate a classifier's accuracy, precision, recall, F1 and ROC AUC without labels (NannyML's CBPE).

    Parameters are stored as given and checked in :meth:`fit`.

    - ``metrics``: names from :data:`METRICS` to estimate, in the order :meth:`estimate` returns them.
    - ``chunk_size``: the largest reference chunk (in rows) the sampling error is measured on; larger
      windows scale it by 1/√rows. ``resamples``: chunks drawn per size; ``seed``: of the draws.
    - ``width``: half-width of the band in sampling errors (NannyML uses 3).
    - ``threshold``: a binary model predicts the positive class when its probability exceeds this
      (0.5, as scikit-learn's ``predict``); a multiclass model predicts its most probable class.
    - ``calibrate``: calibrate on the reference (default); turn off for probabilities known to be calibrated.

    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=4000)
    >>> y = (rng.uniform(size=4000) < p).astype(int)
    >>> cbpe = CBPE(metrics=("accuracy", "roc_auc")).fit(y[:2000], p[:2000])
    >>> acc, auc = cbpe.estimate(p[2000:])
    >>> acc.metric, round(acc.value, 3), round(acc.lower, 3), round(acc.upper, 3)
    ('accuracy', 0.751, 0.721, 0.78)
    >>> round(accuracy(y[2000:], (p[2000:] > 0.5).astype(int)), 3)  # what the labels say later
    0.735

    References: NannyML, "Confidence-based Performance Estimation (CBPE)",
    https://nannyml.readthedocs.io/en/stable/how_it_works/performance_estimation.html
    """

    def __init__(
        self,
        metrics: Sequence[str] = ("accuracy", "roc_auc", "f1"),
        *,
        chunk_size: int = 1000,
        resamples: int = 200,
        seed: int = 0,
        width: float = 3.0,
        threshold: float = 0.5,
        calibrate: bool = True,
    ) -> None:
        self.metrics = metrics
        self.chunk_size = chunk_size
        self.resamples = resamples
        self.seed = seed
        self.width = width
        self.threshold = threshold
        self.calibrate = calibrate

    def fit(
        self, y_true: npt.ArrayLike, proba: npt.ArrayLike, *, classes: npt.ArrayLike | None = None
    ) -> CBPE:
        """Calibrate on a labelled reference and measure its realised metrics and their sampling errors.

        ``proba`` is 1-D (probability of the larger of two classes) or has one column per class, in the
        order of ``classes`` (default: the sorted classes of ``y_true``, as scikit-learn's ``classes_``).
        The reference must not be the model's training data.
        """
        self._check_params()
        yt, p = _labels_1d(y_true, "y_true"), _probabilities(proba)
        if p.shape[0] != yt.size:
            raise ValidationFailed(f"y_true has {yt.size} rows but proba has {p.shape[0]}", field="proba")
        raw = _two_columns(p)
        self.classes_: npt.NDArray[Any] = _class_labels(yt, classes, raw.shape[1])
        target = _encode(yt, self.classes_)
        if (target == self.classes_.size).any():
            raise ValidationFailed("y_true holds a class that is not in classes", field="y_true")
        self.calibrators_: tuple[IsotonicCalibrator, ...] = ()
        if self.calibrate:
            columns = [1] if raw.shape[1] == 2 else range(raw.shape[1])
            self.calibrators_ = tuple(IsotonicCalibrator().fit(raw[:, j], target == j) for j in columns)
        predicted = self._predict(raw)
        self.reference_values_: dict[str, float] = {
            m: _realised(m, target, predicted, raw) for m in self.metrics
        }
        top = min(self.chunk_size, target.size)
        sizes = np.unique(np.geomspace(min(_SMALLEST_CHUNK, top), top, num=_CHUNK_SIZES).round())
        rng = np.random.default_rng(self.seed)
        chunks = [rng.integers(0, target.size, size=(self.resamples, int(size))) for size in sizes]
        self.sampling_errors_: dict[str, SamplingError] = {
            m: _sampling_error(m, chunks, target, predicted, raw) for m in self.metrics
        }
        return self

    def estimate(self, proba: npt.ArrayLike) -> tuple[Estimate, ...]:
        """Expected metrics of a window of probabilities: one :class:`Estimate` each, in ``metrics`` order."""
        if not hasattr(self, "sampling_errors_"):
            raise ValidationFailed(
                "CBPE is not fitted", hint="call fit(y_true, proba) on a labelled reference"
            )
        p = _probabilities(proba)
        raw = _two_columns(p)
        if raw.shape[1] != self.classes_.size:
            raise ValidationFailed(
                f"proba has {raw.shape[1]} columns but the reference had {self.classes_.size} classes",
                field="proba",
            )
        calibrated, predicted = self._calibrated(raw), self._predict(raw)
        rows = raw.shape[0]
        out = []
        for metric in self.metrics:
            value = _expected(metric, calibrated, raw, predicted)
            error = self.sampling_errors_[metric].at(rows)
            lower, upper = max(0.0, value - self.width * error), min(1.0, value + self.width * error)
            out.append(Estimate(metric, value, lower, upper, error, rows))
        return tuple(out)

    def _check_params(self) -> None:
        metrics = self.metrics
        if isinstance(metrics, str) or not metrics or any(m not in METRICS for m in metrics):
            raise ValidationFailed(
                f"CBPE.metrics must be a non-empty sequence of {METRICS}, got {metrics!r}", field="metrics"
            )
        if len(set(metrics)) != len(metrics):
            raise ValidationFailed(f"CBPE.metrics repeats a metric: {metrics!r}", field="metrics")
        for name in ("chunk_size", "resamples"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 2:
                raise ValidationFailed(f"CBPE.{name} must be an integer ≥ 2, got {value!r}", field=name)
        if not self.width > 0:
            raise ValidationFailed(f"CBPE.width must be positive, got {self.width!r}", field="width")
        if not 0.0 < self.threshold < 1.0:
            raise ValidationFailed(
                f"CBPE.threshold must lie in (0, 1), got {self.threshold!r}", field="threshold"
            )

    def _predict(self, raw: FloatArray) -> IntArray:
        if raw.shape[1] == 2:
            return (raw[:, 1] > self.threshold).astype(np.intp)
        best: IntArray = np.argmax(raw, axis=1)
        return best

    def _calibrated(self, raw: FloatArray) -> FloatArray:
        if not self.calibrators_:
            return raw
        if raw.shape[1] == 2:
            return _two_columns(self.calibrators_[0].predict(raw[:, 1]))
        out = np.column_stack([cal.predict(raw[:, j]) for j, cal in enumerate(self.calibrators_)])
        total = out.sum(axis=1, keepdims=True)
        # A row every calibrator maps to 0 keeps the model's own probabilities rather than dividing by 0.
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), raw)


def _sampling_error(
    metric: str, chunks: list[IntArray], target: IntArray, predicted: IntArray, raw: FloatArray
) -> SamplingError:
    """σ·√rows of the metric over reference chunks of each size (one chunk per row of each array)."""
    sizes, row_std = [], []
    for draws in chunks:
        values = np.array([_realised(metric, target[c], predicted[c], raw[c]) for c in draws])
        defined = values[np.isfinite(values)]
        # A size at which many chunks miss a class is skipped: σ over the rest would be biased.
        if defined.size >= 0.9 * values.size:
            sizes.append(draws.shape[1])
            row_std.append(float(np.std(defined, ddof=1) * math.sqrt(draws.shape[1])))
    if not sizes:
        raise ValidationFailed(
            f"{metric} is undefined on most reference chunks of up to {chunks[-1].shape[1]} rows: "
            "a class is missing from them",
            field="chunk_size",
            hint="raise chunk_size, or use a reference in which every class is common enough",
        )
    return SamplingError(tuple(sizes), tuple(row_std))


def _realised(metric: str, target: IntArray, predicted: IntArray, raw: FloatArray) -> float:
    """The metric measured with labels; NaN when it is undefined (ROC AUC on a chunk missing a class)."""
    k = raw.shape[1]
    labels = np.arange(k)
    if metric == "accuracy":
        return accuracy(target, predicted)
    if metric == "roc_auc":
        if np.unique(target).size < k:
            return math.nan
        return roc_auc(target, raw[:, 1], labels=labels) if k == 2 else roc_auc(target, raw, labels=labels)
    score = {"precision": precision, "recall": recall, "f1": f1}[metric]
    return score(target, predicted, average="binary" if k == 2 else "macro", labels=labels)


def _expected(metric: str, calibrated: FloatArray, raw: FloatArray, predicted: IntArray) -> float:
    """The metric expected from calibrated probabilities: NannyML's CBPE estimators."""
    rows, k = calibrated.shape
    if metric == "accuracy":
        return float(np.mean(calibrated[np.arange(rows), predicted]))
    columns = [1] if k == 2 else list(range(k))
    if metric == "roc_auc":
        return float(np.mean([_expected_roc_auc(calibrated[:, j], raw[:, j]) for j in columns]))
    chosen = (predicted[:, None] == np.arange(k)).astype(np.float64)
    tp = (chosen * calibrated).sum(axis=0)[columns]
    fp = (chosen * (1.0 - calibrated)).sum(axis=0)[columns]
    fn = ((1.0 - chosen) * calibrated).sum(axis=0)[columns]
    if metric == "precision":
        return float(np.mean(_ratio(tp, tp + fp)))
    if metric == "recall":
        return float(np.mean(_ratio(tp, tp + fn)))
    return float(np.mean(_ratio(2.0 * tp, 2.0 * tp + fp + fn)))


def _expected_roc_auc(calibrated: FloatArray, score: FloatArray) -> float:
    """Area under the expected ROC curve: rows sorted by score, each adding p to TP and 1 − p to FP."""
    order = np.argsort(-score, kind="stable")
    tps = np.cumsum(calibrated[order])
    fps = np.arange(1, tps.size + 1) - tps
    # One ROC point per distinct score, as scikit-learn's roc_curve: tied rows move the curve together
    # (NannyML walks row by row, which makes the area depend on the order of ties).
    ranked = score[order]
    last = np.r_[ranked[1:] != ranked[:-1], True]
    tps, fps = np.r_[0.0, tps[last]], np.r_[0.0, fps[last]]
    if tps[-1] <= 0.0 or fps[-1] <= 0.0:
        return math.nan
    tpr, fpr = tps / tps[-1], fps / fps[-1]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))
