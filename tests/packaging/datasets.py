"""Small real datasets shared by the packaging tests."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression


@functools.cache
def breast_cancer() -> tuple[pd.DataFrame, pd.Series]:
    """Binary classification on a DataFrame of 30 float columns."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


@functools.cache
def iris() -> tuple[pd.DataFrame, pd.Series]:
    """Three classes on a DataFrame of 4 float columns."""
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@functools.cache
def diabetes() -> tuple[np.ndarray, np.ndarray]:
    """Regression on a NumPy array of 10 columns."""
    X, y = load_diabetes(return_X_y=True)
    return X, y


@functools.cache
def logistic_regression() -> tuple[LogisticRegression, pd.DataFrame]:
    """A LogisticRegression fitted on breast_cancer, and its DataFrame (fitted once: it is the slowest)."""
    X, y = breast_cancer()
    return LogisticRegression(max_iter=5000).fit(X, y), X
