"""Performance metrics on NumPy arrays, equal to scikit-learn's, plus a bootstrap confidence interval.

Classification: :func:`accuracy`, :func:`precision`, :func:`recall`, :func:`f1` (binary or macro),
:func:`roc_auc` (binary, or one-vs-rest macro), :func:`log_loss` and :func:`expected_calibration_error`.
Regression: :func:`mae`, :func:`rmse`, :func:`mape` and :func:`r2`. Each is a few vectorised NumPy
expressions: confusion counts come from one ``bincount``, ROC AUC from ranks (the Mann–Whitney U
statistic), so no Python loop runs over rows. :func:`bootstrap_ci` puts a percentile interval around
any of them.

>>> y = np.array([0, 1, 1, 0, 1])
>>> round(accuracy(y, np.array([0, 1, 0, 0, 1])), 3), roc_auc(y, np.array([0.1, 0.9, 0.4, 0.3, 0.8]))
(0.8, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from tendml.core.errors import ValidationFailed

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Average = Literal["binary", "macro"]
Metric = Callable[[Any, Any], float]
"""A metric takes ``(y_true, y_pred_or_proba)`` and returns a float, as every function here does."""


# --- input checks shared by the metrics (and by estimation.py) -------------------------------------


def _labels_1d(values: npt.ArrayLike, field: str) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0:
        raise ValidationFailed(f"{field} must be a non-empty 1-D array, got shape {arr.shape}", field=field)
    return arr


def _floats(values: npt.ArrayLike, field: str, *, ndim: tuple[int, ...] = (1,)) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValidationFailed(f"{field} must be numeric", field=field) from err
    if arr.ndim not in ndim or arr.shape[0] == 0:
        dims = " or ".join(f"{d}-D" for d in ndim)
        raise ValidationFailed(
            f"{field} must be a non-empty {dims} array, got shape {arr.shape}", field=field
        )
    if not np.isfinite(arr).all():
        raise ValidationFailed(f"{field} contains NaN or infinite values", field=field)
    return arr


def _probabilities(values: npt.ArrayLike, field: str = "proba") -> FloatArray:
    arr = _floats(values, field, ndim=(1, 2))
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise ValidationFailed(
            f"{field} must hold probabilities in [0, 1], got values in [{arr.min()}, {arr.max()}]",
            field=field,
        )
    return arr


def _same_length(a: npt.NDArray[Any], b: npt.NDArray[Any], field: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValidationFailed(
            f"y_true has {a.shape[0]} rows but {field} has {b.shape[0]}",
            field=field,
            hint="pass one row each",
        )


def _encode(values: npt.NDArray[Any], labels: npt.NDArray[Any]) -> IntArray:
    """Index of each value in ``labels``; values absent from ``labels`` get ``len(labels)``."""
    order = np.argsort(labels, kind="stable")
    pos = np.searchsorted(labels, values, sorter=order)
    pos = np.minimum(pos, labels.size - 1)
    idx = order[pos]
    return np.where(labels[idx] == values, idx, labels.size)


def _class_labels(y_true: npt.NDArray[Any], labels: npt.ArrayLike | None, n_columns: int) -> npt.NDArray[Any]:
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if classes.size != n_columns or classes.size < 2:
        raise ValidationFailed(
            f"proba has {n_columns} columns but there are {classes.size} classes ({classes.tolist()[:10]})",
            field="labels",
            hint="pass labels= with one class per column, in column order (at least two)",
        )
    return classes


def _class_index(y_true: npt.ArrayLike, proba: FloatArray, labels: npt.ArrayLike | None) -> IntArray:
    """Encode ``y_true`` as column indices of a 2-column-or-more ``proba``; 1-D proba means two classes."""
    yt = _labels_1d(y_true, "y_true")
    _same_length(yt, proba, "proba")
    n_columns = 2 if proba.ndim == 1 else proba.shape[1]
    classes = _class_labels(yt, labels, n_columns)
    idx = _encode(yt, classes)
    if (idx == classes.size).any():
        raise ValidationFailed("y_true holds a class that is not in labels", field="y_true")
    return idx


def _two_columns(proba: FloatArray) -> FloatArray:
    return np.column_stack([1.0 - proba, proba]) if proba.ndim == 1 else proba


# --- classification ---------------------------------------------------------------------------------


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Share of rows whose predicted label equals the true one (``sklearn.metrics.accuracy_score``)."""
    yt, yp = _labels_1d(y_true, "y_true"), _labels_1d(y_pred, "y_pred")
    _same_length(yt, yp, "y_pred")
    return float(np.mean(yt == yp))


def _confusion_counts(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    average: Average,
    pos_label: Any,
    labels: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """True positives, false positives and false negatives per class that the average runs over."""
    yt, yp = _labels_1d(y_true, "y_true"), _labels_1d(y_pred, "y_pred")
    _same_length(yt, yp, "y_pred")
    if average == "binary":
        present = np.unique(np.concatenate([yt, yp]))
        if present.size > 2 or (present.size == 2 and pos_label not in present):
            raise ValidationFailed(
                f"average='binary' needs two classes including pos_label={pos_label!r}, "
                f"got {present.tolist()[:10]}",
                field="average",
                hint="use average='macro' for more than two classes, or set pos_label",
            )
        t, p = yt == pos_label, yp == pos_label
        counts = [np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)]
        tp, fp, fn = (np.array([c], dtype=np.float64) for c in counts)
        return tp, fp, fn
    if average != "macro":
        raise ValidationFailed(
            f"unknown average {average!r}", field="average", hint="use 'binary' or 'macro'"
        )
    classes = np.unique(np.concatenate([yt, yp])) if labels is None else np.asarray(labels)
    k = classes.size
    # One extra row and column collect labels outside ``labels``, as scikit-learn counts them.
    cells = _encode(yt, classes) * (k + 1) + _encode(yp, classes)
    matrix = np.bincount(cells, minlength=(k + 1) ** 2).reshape(k + 1, k + 1).astype(np.float64)
    tp = np.diag(matrix)[:k]
    return tp, matrix[:, :k].sum(axis=0) - tp, matrix[:k, :].sum(axis=1) - tp


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    # scikit-learn's zero_division default: 0 where the denominator is 0.
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    average: Average = "binary",
    pos_label: Any = 1,
    labels: npt.ArrayLike | None = None,
) -> float:
    """TP / (TP + FP): of the positive class (``binary``) or the mean over classes (``macro``).

    A class never predicted has precision 0, as scikit-learn's default ``zero_division``.

    >>> precision([0, 1, 2, 2], [0, 2, 2, 2], average="macro")
    0.5555555555555555
    """
    tp, fp, _ = _confusion_counts(y_true, y_pred, average, pos_label, labels)
    return float(np.mean(_ratio(tp, tp + fp)))


def recall(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    average: Average = "binary",
    pos_label: Any = 1,
    labels: npt.ArrayLike | None = None,
) -> float:
    """TP / (TP + FN): of the positive class (``binary``) or the mean over classes (``macro``)."""
    tp, _, fn = _confusion_counts(y_true, y_pred, average, pos_label, labels)
    return float(np.mean(_ratio(tp, tp + fn)))


def f1(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    average: Average = "binary",
    pos_label: Any = 1,
    labels: npt.ArrayLike | None = None,
) -> float:
    """2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall, binary or macro-averaged."""
    tp, fp, fn = _confusion_counts(y_true, y_pred, average, pos_label, labels)
    return float(np.mean(_ratio(2.0 * tp, 2.0 * tp + fp + fn)))


def roc_auc(y_true: npt.ArrayLike, y_score: npt.ArrayLike, *, labels: npt.ArrayLike | None = None) -> float:
    """Area under the ROC curve, from ranks: AUC = (R₊ − n₊(n₊+1)/2) / (n₊·n₋) (Mann–Whitney U).

    ``y_score`` 1-D scores the larger of two labels (``labels[1]`` when given); 2-D holds one column of
    probabilities per class and gives the one-vs-rest macro average, as
    ``roc_auc_score(multi_class="ovr", average="macro")``. Ties share their average rank.

    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    score = _floats(y_score, "y_score", ndim=(1, 2))
    idx = _class_index(y_true, score, labels)
    scores = score[:, None] if score.ndim == 1 else score
    positive = (idx[:, None] == (np.arange(scores.shape[1]) if score.ndim == 2 else 1)).astype(np.float64)
    n_pos = positive.sum(axis=0)
    n_neg = positive.shape[0] - n_pos
    if (n_pos == 0).any() or (n_neg == 0).any():
        raise ValidationFailed(
            "ROC AUC is undefined when a class has no positive or no negative row", field="y_true"
        )
    rank_sum = (rankdata(scores, axis=0) * positive).sum(axis=0)
    auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(np.mean(auc))


def log_loss(y_true: npt.ArrayLike, proba: npt.ArrayLike, *, labels: npt.ArrayLike | None = None) -> float:
    """Mean negative log-likelihood of the true class; probabilities clipped to [ε, 1 − ε] as scikit-learn.

    ``proba`` 1-D is the probability of the larger of two labels; 2-D has one column per class.
    """
    p = _probabilities(proba)
    idx = _class_index(y_true, p, labels)
    eps = np.finfo(np.float64).eps
    chosen = np.clip(_two_columns(p), eps, 1 - eps)[np.arange(idx.size), idx]
    return float(-np.mean(np.log(chosen)))


def expected_calibration_error(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, *, n_bins: int = 10, labels: npt.ArrayLike | None = None
) -> float:
    """Expected calibration error: Σ_b (n_b / n)·|observed rate_b − mean probability_b| over equal-width bins.

    With 1-D ``proba`` (binary) the bins are those of ``sklearn.calibration.calibration_curve`` on the
    probability of the positive class; with 2-D ``proba`` it is the top-label ECE of Guo et al. (2017),
    "On Calibration of Modern Neural Networks": confidence = largest probability, outcome = whether
    its class is the true one.

    >>> expected_calibration_error([0, 1, 1, 1], [0.2, 0.6, 0.7, 0.9], n_bins=2)  # (0.2 + 0.8) / 4
    0.25
    """
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ValidationFailed(f"n_bins must be a positive integer, got {n_bins!r}", field="n_bins")
    p = _probabilities(proba)
    idx = _class_index(y_true, p, labels)
    if p.ndim == 1:
        confidence, outcome = p, (idx == 1).astype(np.float64)
    else:
        top = np.argmax(p, axis=1)
        confidence, outcome = p[np.arange(idx.size), top], (top == idx).astype(np.float64)
    # Same bin edges and same side as calibration_curve(strategy="uniform").
    bins = np.searchsorted(np.linspace(0.0, 1.0, n_bins + 1)[1:-1], confidence)
    gap = np.bincount(bins, weights=outcome - confidence, minlength=n_bins)
    return float(np.abs(gap).sum() / idx.size)


# --- regression -------------------------------------------------------------------------------------


def _pair(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    yt, yp = _floats(y_true, "y_true"), _floats(y_pred, "y_pred")
    _same_length(yt, yp, "y_pred")
    return yt, yp


def mae(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Mean absolute error."""
    yt, yp = _pair(y_true, y_pred)
    return float(np.mean(np.abs(yt - yp)))


def rmse(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Root mean squared error."""
    yt, yp = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((yt - yp) ** 2)))


def mape(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Mean absolute percentage error as a fraction; |y_true| is floored at machine ε as scikit-learn does.

    >>> mape([100.0, 200.0], [110.0, 180.0])
    0.1
    """
    yt, yp = _pair(y_true, y_pred)
    return float(np.mean(np.abs(yp - yt) / np.maximum(np.abs(yt), np.finfo(np.float64).eps)))


def r2(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Coefficient of determination 1 − SS_res / SS_tot; a constant ``y_true`` gives 1 if matched, else 0."""
    yt, yp = _pair(y_true, y_pred)
    if yt.size < 2:
        raise ValidationFailed("R² needs at least two rows", field="y_true")
    ss_res = float(np.sum((yt - yp) ** 2))
    ss_tot = float(np.sum((yt - yt.mean()) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


# --- uncertainty ------------------------------------------------------------------------------------


def bootstrap_ci(
    metric: Metric,
    y_true: npt.ArrayLike,
    y_pred_or_proba: npt.ArrayLike,
    n: int = 200,
    level: float = 0.95,
    seed: int = 0,
    *,
    stratified: bool = False,
) -> tuple[float, float]:
    """Percentile bootstrap interval (low, high) of ``metric`` at confidence ``level``.

    Rows are drawn with replacement ``n`` times (Efron & Tibshirani, 1993, "An Introduction to the
    Bootstrap", ch. 13). ``stratified=True`` draws within each class of ``y_true``, keeping the class
    counts fixed, as pROC does for ROC AUC, so that a rare class cannot vanish from a resample.

    >>> y = np.array([0, 1] * 50)
    >>> low, high = bootstrap_ci(accuracy, y, np.where(np.arange(100) % 10 == 0, 1 - y, y))
    >>> bool(low < 0.9 < high)
    True
    """
    if not isinstance(n, int) or n < 2:
        raise ValidationFailed(f"n must be an integer of at least 2, got {n!r}", field="n")
    if not 0.0 < level < 1.0:
        raise ValidationFailed(f"level must lie in (0, 1), got {level!r}", field="level")
    yt, yp = np.asarray(y_true), np.asarray(y_pred_or_proba)
    _labels_1d(yt, "y_true")
    _same_length(yt, yp, "y_pred_or_proba")
    rng = np.random.default_rng(seed)
    if stratified:
        _, inverse = np.unique(yt, return_inverse=True)
        groups = [np.flatnonzero(inverse == g) for g in range(int(inverse.max()) + 1)]
        rows = np.hstack([g[rng.integers(0, g.size, size=(n, g.size))] for g in groups])
    else:
        rows = rng.integers(0, yt.size, size=(n, yt.size))
    values = np.array([metric(yt[r], yp[r]) for r in rows], dtype=np.float64)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)
