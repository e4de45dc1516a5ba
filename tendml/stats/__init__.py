"""Statistics on NumPy arrays (no I/O): column profiles, mergeable summaries, drift methods,
performance metrics, label-free estimated performance (CBPE), multivariate drift (PCA reconstruction)
and bias across groups."""

from tendml.stats.drift import METHODS, DriftResult, choose_method, get_method
from tendml.stats.estimation import CBPE, Estimate, IsotonicCalibrator, SamplingError
from tendml.stats.estimation import METRICS as CBPE_METRICS
from tendml.stats.fairness import disparity, group_rates
from tendml.stats.multivariate import PCAReconstruction
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
from tendml.stats.profile import QUANTILES, categorical_profile, numeric_profile
from tendml.stats.summary import CategoricalSummary, NumericSummary, bin_edges

__all__ = [
    "CBPE",
    "CBPE_METRICS",
    "METHODS",
    "QUANTILES",
    "CategoricalSummary",
    "DriftResult",
    "Estimate",
    "IsotonicCalibrator",
    "NumericSummary",
    "PCAReconstruction",
    "SamplingError",
    "accuracy",
    "bin_edges",
    "bootstrap_ci",
    "categorical_profile",
    "choose_method",
    "disparity",
    "expected_calibration_error",
    "f1",
    "get_method",
    "group_rates",
    "log_loss",
    "mae",
    "mape",
    "numeric_profile",
    "precision",
    "r2",
    "recall",
    "rmse",
    "roc_auc",
]
