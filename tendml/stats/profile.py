"""Column profiles: the summaries of a dataset version that later serve as its drift reference.

Both profiles are *mergeable*: histogram counts on fixed edges, counts, extremes and moments add
up across parts, so a window can be profiled in pieces and combined (quantiles are re-derived
from the merged histogram).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tendml.entities.datasets import CategoricalProfile, NumericProfile

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
DEFAULT_BINS = 20
DEFAULT_TOP = 50


def numeric_profile(values: np.ndarray, *, nulls: int = 0, bins: int = DEFAULT_BINS) -> NumericProfile:
    """Profile a numeric column; NaN counts as null. Edges are ``bins`` equal-width bins over [min, max].

    >>> p = numeric_profile(np.array([1.0, 2.0, 3.0, np.nan]), bins=2)
    >>> p.count, p.nulls, p.min, p.max, p.mean, p.edges, p.counts
    (3, 1, 1.0, 3.0, 2.0, (1.0, 2.0, 3.0), (1, 2))
    """
    x = np.asarray(values, dtype=np.float64)
    finite = x[~np.isnan(x)]
    nulls += int(x.size - finite.size)
    if finite.size == 0:
        return NumericProfile(0, nulls, None, None, None, None, {}, (), ())
    lo, hi = float(finite.min()), float(finite.max())
    edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo, hi])
    counts = _counts_on_edges(finite, edges)
    qs = np.quantile(finite, QUANTILES)
    return NumericProfile(
        count=int(finite.size),
        nulls=nulls,
        min=lo,
        max=hi,
        mean=float(finite.mean()),
        std=float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
        quantiles={_qname(q): float(v) for q, v in zip(QUANTILES, qs, strict=True)},
        edges=tuple(float(e) for e in edges),
        counts=tuple(int(c) for c in counts),
    )


def _counts_on_edges(finite: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # searchsorted on sorted edges is O(n log b) and, unlike np.histogram, never re-derives edges.
    if edges.size == 2 and edges[0] == edges[1]:
        return np.array([finite.size])
    idx = np.searchsorted(edges, finite, side="right") - 1
    idx = np.clip(idx, 0, edges.size - 2)  # the last bin is closed on the right
    return np.bincount(idx, minlength=edges.size - 1)


def categorical_profile(
    values: Sequence[object], counts: Sequence[int] | np.ndarray, *, nulls: int = 0, top: int = DEFAULT_TOP
) -> CategoricalProfile:
    """Profile a categorical column from its distinct values and their counts (nulls excluded).

    >>> categorical_profile(["a", "b", "c"], [5, 1, 3], nulls=2, top=2)
    CategoricalProfile(count=9, nulls=2, distinct=3, top=(('a', 5), ('c', 3)), other=1, kind='categorical')
    """
    c = np.asarray(counts, dtype=np.int64)
    order = np.argsort(-c, kind="stable")
    head = order[:top]
    top_items = tuple((str(values[i]), int(c[i])) for i in head)
    total = int(c.sum())
    return CategoricalProfile(
        count=total,
        nulls=nulls,
        distinct=len(c),
        top=top_items,
        other=total - sum(n for _, n in top_items),
    )


def _qname(q: float) -> str:
    return f"p{round(q * 100):02d}"
