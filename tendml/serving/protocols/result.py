"""What the server hands to an encoder: one scored request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Prediction:
    """The predictions for one request, with what the encoders put around them.

    Attributes:
        predictions: one prediction a row, shape ``(n,)``, or ``(n, k)`` for a model with k outputs.
        probabilities: class probabilities, shape ``(n, n_classes)`` float64, or None when the
            model has no ``predict_proba``.
        classes: the labels behind the probability columns, in their order.
        ids: one prediction id a row (clients send them back with the true label as feedback).
        model: the registered model's name.
        version: the model version that answered.
        arm: the traffic arm that answered (``champion``, ``challenger``, ``shadow``…).
    """

    predictions: npt.NDArray[Any]
    probabilities: npt.NDArray[Any] | None
    classes: tuple[Any, ...] | None
    ids: list[str]
    model: str
    version: int
    arm: str

    @property
    def rows(self) -> int:
        """The number of rows predicted."""
        return int(self.predictions.shape[0]) if self.predictions.ndim else 1
