"""Concept drift on the error stream, once labels arrive: River's ADWIN and Page–Hinkley detectors.

The labelled predictions of a window, in time order, give an error stream (1 for a wrong class, the
absolute error for a regression); a detector flags the points where its mean changed. River is
imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tendml.core.errors import ValidationFailed
from tendml.entities.monitoring import ConceptDrift

DETECTORS = ("adwin", "page_hinkley")


def error_stream_changes(
    errors: Sequence[float] | np.ndarray,
    times: Sequence[str] | None = None,
    *,
    detector: str = "adwin",
) -> ConceptDrift:
    """Where ``detector`` (``adwin`` or ``page_hinkley``, River's defaults) sees the errors' mean change.

    >>> stream = [0] * 500 + [1, 0, 1, 1] * 250
    >>> error_stream_changes(stream).changes > 0
    True
    """
    from river import drift

    found: Any
    if detector == "adwin":
        found = drift.ADWIN()  # type: ignore[no-untyped-call]
    elif detector == "page_hinkley":
        found = drift.PageHinkley()
    else:
        raise ValidationFailed(
            f"unknown detector {detector!r}", field="detector", hint=f"one of {', '.join(DETECTORS)}"
        )
    values = np.asarray(errors, dtype=np.float64)
    at: list[int] = []
    for i, value in enumerate(values.tolist()):
        found.update(value)
        if found.drift_detected:
            at.append(i)
    when = tuple(times[i] for i in at) if times is not None else tuple(str(i) for i in at)
    return ConceptDrift(detector=detector, points=len(values), changes=len(at), at=when)
