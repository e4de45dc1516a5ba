"""Bias across the groups of a sensitive attribute: positive rate and accuracy per group, and their
disparity (the four-fifths rule's ratio of the lowest to the highest positive rate, and the largest
gap in accuracy).

>>> g = np.array(["a", "a", "b", "b"])
>>> out = group_rates(g, np.array([1, 1, 1, 0]), positive=1, y_true=np.array([1, 0, 1, 0]))
>>> out["a"], out["b"]
((2, 1.0, 0.5), (2, 0.5, 1.0))
>>> disparity(out)
(0.5, 0.5)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tendml.core.errors import ValidationFailed


def group_rates(
    groups: npt.ArrayLike, predictions: npt.ArrayLike, *, positive: Any, y_true: npt.ArrayLike | None = None
) -> dict[str, tuple[int, float, float | None]]:
    """Per group (as text): (rows, share predicted ``positive``, accuracy or None without labels)."""
    g = np.asarray(groups).astype(str)
    p = np.asarray(predictions)
    if g.shape != p.shape or g.ndim != 1:
        raise ValidationFailed("groups and predictions must be 1-D arrays of one length", field="groups")
    hit = p.astype(str) == str(positive)
    right = None if y_true is None else np.asarray(y_true).astype(str) == p.astype(str)
    names, index, counts = np.unique(g, return_inverse=True, return_counts=True)
    positives = np.bincount(index, weights=hit, minlength=names.size)
    correct = None if right is None else np.bincount(index, weights=right, minlength=names.size)
    return {
        str(name): (
            int(n),
            float(positives[i] / n),
            None if correct is None else float(correct[i] / n),
        )
        for i, (name, n) in enumerate(zip(names, counts, strict=True))
    }


def disparity(rates: dict[str, tuple[int, float, float | None]]) -> tuple[float, float | None]:
    """(lowest / highest positive rate — 1 means parity, < 0.8 fails the four-fifths rule;
    highest − lowest accuracy, None without labels)."""
    positive = [r[1] for r in rates.values()]
    ratio = min(positive) / max(positive) if positive and max(positive) > 0 else 1.0
    accuracy = [r[2] for r in rates.values() if r[2] is not None]
    gap = max(accuracy) - min(accuracy) if accuracy else None
    return float(ratio), None if gap is None else float(gap)
