"""Multivariate drift over frames: PCA reconstruction error (numeric columns) and a domain classifier
(every column): can a model tell the reference's rows from the current ones?

The domain classifier is scikit-learn's HistGradientBoostingClassifier (categories as codes, missing
values as they are), cross-validated ROC AUC of reference-vs-current on at most ``max_rows`` rows a
side; 0.5 means the samples cannot be told apart. Drift above ``threshold`` (0.55 by default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tendml.entities.monitoring import MultivariateResult
from tendml.stats.multivariate import PCAReconstruction


def pca_reconstruction(reference: pd.DataFrame, current: pd.DataFrame) -> MultivariateResult | None:
    """NannyML's data reconstruction drift over the numeric columns (None with fewer than two)."""
    numeric = [c for c in reference.columns if _numeric(reference[c]) and _numeric(current[c])]
    if len(numeric) < 2:
        return None
    ref = reference[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    cur = current[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    return PCAReconstruction().fit(ref).score(cur)


def domain_classifier(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    threshold: float = 0.55,
    folds: int = 5,
    max_rows: int = 20_000,
    seed: int = 0,
) -> MultivariateResult:
    """Cross-validated ROC AUC of a classifier told to separate the current rows from the reference's."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rng = np.random.default_rng(seed)
    ref = reference.iloc[_sample(len(reference), max_rows, rng)]
    cur = current.iloc[_sample(len(current), max_rows, rng)]
    both = pd.concat([ref, cur], ignore_index=True)
    categorical = [not _numeric(both[c]) for c in both.columns]
    x = np.column_stack(
        [
            both[c].to_numpy(dtype=np.float64, na_value=np.nan)
            if not cat
            else pd.Categorical(both[c].astype(str)).codes.astype(np.float64)
            for c, cat in zip(both.columns, categorical, strict=True)
        ]
    )
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    model = HistGradientBoostingClassifier(
        max_iter=50,
        categorical_features=np.array(categorical) if any(categorical) else None,
        random_state=seed,
    )
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    auc = float(np.mean(cross_val_score(model, x, y, cv=splits, scoring="roc_auc")))
    return MultivariateResult(
        method="domain_classifier",
        statistic=auc,
        lower=None,
        upper=threshold,
        drifted=auc > threshold,
        detail=f"{folds}-fold ROC AUC on {len(ref)} + {len(cur)} rows",
    )


def _numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype))


def _sample(rows: int, most: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(rows, most, replace=False)) if rows > most else np.arange(rows)
