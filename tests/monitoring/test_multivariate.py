"""Multivariate drift: what no single column shows, PCA reconstruction and a domain classifier see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tendml
from tendml.core.errors import ValidationFailed
from tendml.stats.multivariate import PCAReconstruction


def _linked(rows: int, *, linked: bool, seed: int) -> pd.DataFrame:
    """Two columns with the same marginals; ``linked`` makes ``b`` follow ``a``."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rows)
    noise = rng.normal(size=rows)
    b = 0.9 * a + np.sqrt(1 - 0.81) * noise if linked else noise
    return pd.DataFrame({"a": a, "b": b, "c": rng.normal(size=rows), "kind": rng.choice(["x", "y"], rows)})


def test_a_broken_correlation_is_multivariate_drift_only() -> None:
    ref, same, broken = (
        _linked(3000, linked=True, seed=0),
        _linked(3000, linked=True, seed=1),
        _linked(3000, linked=False, seed=2),
    )
    report = tendml.drift(ref, broken, multivariate=True)
    assert report.drifted_columns == []  # each column alone looks the same
    verdicts = {m.method: m for m in report.multivariate}
    assert verdicts["pca_reconstruction"].drifted
    assert verdicts["domain_classifier"].drifted and verdicts["domain_classifier"].statistic > 0.55
    quiet = {m.method: m.drifted for m in tendml.drift(ref, same, multivariate=True).multivariate}
    assert quiet == {"pca_reconstruction": False, "domain_classifier": False}
    assert set(report.to_dict()["multivariate"]) == {"pca_reconstruction", "domain_classifier"}


def test_pca_reconstruction_checks_its_inputs() -> None:
    with pytest.raises(ValidationFailed) as info:
        PCAReconstruction(variance=1.5)
    assert info.value.field == "variance"
    fitted = PCAReconstruction().fit(np.random.default_rng(0).normal(size=(200, 3)))
    with pytest.raises(ValidationFailed) as info:
        fitted.score(np.zeros((10, 2)))
    assert info.value.field == "current"
    with pytest.raises(ValidationFailed):
        PCAReconstruction().fit(np.zeros((5, 3)))
