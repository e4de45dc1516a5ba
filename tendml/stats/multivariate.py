"""Multivariate drift by PCA reconstruction error (NannyML's data reconstruction method).

Drift that no single column shows — a change in how columns move together — changes how well a
low-dimensional picture of the reference explains the data. ``fit`` standardises the reference,
keeps the principal components that explain ``variance`` of it, and measures the reconstruction error
(mean Euclidean distance between a standardised row and its reconstruction) on ``chunks`` random
parts of the reference; ``score`` measures the current sample's error and calls it drift outside the
reference's mean ± ``width`` standard deviations (NannyML's defaults: 65 % variance, 3 sd).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tendml.core.errors import ValidationFailed
from tendml.entities.monitoring import MultivariateResult


class PCAReconstruction:
    """Reconstruction error of a PCA fitted on the reference.

    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(4000, 1))
    >>> ref = np.hstack([z, z + 0.1 * rng.normal(size=(4000, 1))])
    >>> broken = rng.normal(size=(4000, 2))  # same marginals, the link between the columns is gone
    >>> PCAReconstruction().fit(ref).score(broken).drifted
    True
    """

    name = "pca_reconstruction"

    def __init__(
        self, variance: float = 0.65, *, chunks: int = 10, width: float = 3.0, seed: int = 0
    ) -> None:
        if not 0 < variance <= 1:
            raise ValidationFailed(f"variance must be in (0, 1], got {variance!r}", field="variance")
        if chunks < 2:
            raise ValidationFailed(f"chunks must be at least 2, got {chunks!r}", field="chunks")
        self.variance, self.chunks, self.width, self.seed = variance, chunks, width, seed

    def fit(self, reference: npt.ArrayLike) -> PCAReconstruction:
        x = _matrix(reference, "reference")
        if x.shape[0] < 2 * self.chunks:
            raise ValidationFailed(
                f"the reference needs at least {2 * self.chunks} complete rows, got {x.shape[0]}",
                field="reference",
            )
        self.mean_ = x.mean(axis=0)
        scale = x.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        z = (x - self.mean_) / self.scale_
        _, singular, vt = np.linalg.svd(z, full_matrices=False)
        explained = np.cumsum(singular**2) / max(float(np.sum(singular**2)), 1e-300)
        keep = int(np.searchsorted(explained, self.variance) + 1)
        self.components_ = vt[: min(keep, vt.shape[0])]
        order = np.random.default_rng(self.seed).permutation(z.shape[0])
        errors = [self._error(z[part]) for part in np.array_split(order, self.chunks)]
        self.reference_error_ = float(np.mean(errors))
        spread = float(np.std(errors)) * self.width
        self.lower_, self.upper_ = self.reference_error_ - spread, self.reference_error_ + spread
        return self

    def score(self, current: npt.ArrayLike) -> MultivariateResult:
        if not hasattr(self, "components_"):
            raise ValidationFailed(
                "PCAReconstruction is not fitted", field="reference", hint="call fit() first"
            )
        x = _matrix(current, "current")
        if x.shape[1] != self.mean_.size:
            raise ValidationFailed(
                f"current has {x.shape[1]} columns, the reference {self.mean_.size}", field="current"
            )
        error = self._error((x - self.mean_) / self.scale_)
        return MultivariateResult(
            method=self.name,
            statistic=error,
            lower=self.lower_,
            upper=self.upper_,
            drifted=not self.lower_ <= error <= self.upper_,
            detail=f"{self.components_.shape[0]} of {self.mean_.size} components",
        )

    def _error(self, z: np.ndarray) -> float:
        back = (z @ self.components_.T) @ self.components_
        return float(np.mean(np.linalg.norm(z - back, axis=1)))


def _matrix(values: npt.ArrayLike, field: str) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"{field} must be a 2-D array of numbers", field=field) from exc
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValidationFailed(f"{field} must be a 2-D array of numbers, got shape {x.shape}", field=field)
    complete = x[np.isfinite(x).all(axis=1)]  # NannyML imputes; rows with a gap are left out here
    if complete.shape[0] == 0:
        raise ValidationFailed(f"{field} has no complete row", field=field)
    return complete
