"""Signature inference: column types, nullability, tensors, outputs, classes and methods."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from tendml.core.errors import ValidationFailed
from tendml.entities.models import ColumnSpec, IOKind, TensorSpec
from tendml.packaging import infer_signature
from tendml.packaging.signature import infer_schema


def _types(data: Any) -> dict[str, tuple[str, bool]]:
    schema = infer_schema(data)
    assert schema.kind is IOKind.COLUMNS
    return {c.name: (c.type, c.nullable) for c in schema.columns}


def test_pandas_column_types_and_nulls() -> None:
    frame = pd.DataFrame(
        {
            "f64": [1.0, 2.0],
            "f32": np.array([1.0, np.nan], dtype="float32"),
            "i64": np.array([1, 2], dtype="int64"),
            "i32": np.array([1, 2], dtype="int32"),
            "i16": np.array([1, 2], dtype="int16"),
            "i8": np.array([1, 2], dtype="int8"),
            "flag": [True, False],
            "obj": pd.Series(["a", None], dtype=object),
            "text": pd.Series(["a", "b"], dtype="str"),
            "cat": pd.Categorical(["x", "y"]),
            "when": pd.to_datetime(["2024-01-01", None]),
            "raw": [b"a", b"b"],
        }
    )
    assert _types(frame) == {
        "f64": ("double", False),
        "f32": ("float", True),
        "i64": ("long", False),
        "i32": ("integer", False),
        "i16": ("integer", False),
        "i8": ("integer", False),
        "flag": ("boolean", False),
        "obj": ("string", True),
        "text": ("string", False),
        "cat": ("string", False),
        "when": ("datetime", True),
        "raw": ("binary", False),
    }


def test_a_non_range_index_is_not_a_column() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]}).sample(3, random_state=0)
    assert list(_types(frame)) == ["a"]


@pytest.mark.parametrize(
    "example",
    [
        {"x": [1.5, None], "n": [1, 2], "s": ["a", "b"]},
        [{"x": 1.5, "n": 1, "s": "a"}, {"x": None, "n": 2, "s": "b"}],
        pa.table({"x": [1.5, None], "n": [1, 2], "s": ["a", "b"]}),
        pl.DataFrame({"x": [1.5, None], "n": [1, 2], "s": ["a", "b"]}),
    ],
    ids=["dict", "records", "pyarrow", "polars"],
)
def test_tables_of_every_kind_give_the_same_columns(example: Any) -> None:
    assert _types(example) == {"x": ("double", True), "n": ("long", False), "s": ("string", False)}


def test_nan_in_a_float_column_counts_as_null() -> None:
    assert _types(pl.DataFrame({"x": [1.0, float("nan")]})) == {"x": ("double", True)}


def test_numpy_example_is_a_tensor_with_free_rows() -> None:
    X = np.zeros((5, 3), dtype="float32")
    model = LinearRegression().fit(X, np.arange(5.0))
    signature = infer_signature(model, X)
    assert signature.inputs.kind is IOKind.TENSOR
    assert signature.inputs.tensor == TensorSpec("float32", (-1, 3))
    assert signature.outputs is not None
    # LinearRegression keeps float32: the output type follows the predictions' dtype.
    assert signature.outputs.columns == (ColumnSpec("prediction", "float"),)
    assert signature.classes is None
    assert signature.methods == ("predict",)


def test_classifier_classes_and_methods() -> None:
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    model = LogisticRegression().fit(X, np.array(["no", "no", "yes", "yes"], dtype=object))
    signature = infer_signature(model, X)
    assert signature.classes == ("no", "yes")
    assert all(type(c) is str for c in signature.classes)
    assert signature.methods == ("predict", "predict_proba")
    assert signature.outputs is not None
    assert signature.outputs.columns == (ColumnSpec("prediction", "string"),)


def test_integer_classes_are_plain_python_values() -> None:
    X = np.array([[0.0], [1.0]])
    signature = infer_signature(DecisionTreeClassifier().fit(X, np.array([3, 7])), X)
    assert signature.classes == (3, 7)
    assert all(type(c) is int for c in signature.classes)


class _TwoOutputs:
    def predict(self, X: Any) -> np.ndarray:
        return np.column_stack([X.sum(axis=1), X.max(axis=1)]).astype("float32")


def test_two_dimensional_predictions_are_a_tensor() -> None:
    signature = infer_signature(_TwoOutputs(), np.ones((4, 3)))
    assert signature.outputs is not None
    assert signature.outputs.kind is IOKind.TENSOR
    assert signature.outputs.tensor == TensorSpec("float32", (-1, 2))


def test_without_example_feature_names_give_double_columns() -> None:
    X = pd.DataFrame({"b": [0.0, 1.0], "a": [1.0, 0.0]})
    signature = infer_signature(LinearRegression().fit(X, [0.0, 1.0]), None)
    assert signature.inputs.columns == (ColumnSpec("b", "double"), ColumnSpec("a", "double"))
    assert signature.outputs is None


def test_without_example_a_feature_count_gives_a_tensor() -> None:
    signature = infer_signature(LinearRegression().fit(np.ones((3, 4)), [0.0, 1.0, 2.0]), None)
    assert signature.inputs.tensor == TensorSpec("float64", (-1, 4))


def test_without_example_or_recorded_features_asks_for_an_example() -> None:
    with pytest.raises(ValidationFailed) as caught:
        infer_signature(_TwoOutputs(), None)
    assert caught.value.field == "input_example"
    assert caught.value.hint is not None
    assert "input_example=" in caught.value.hint


def test_example_the_model_cannot_predict_on_is_refused() -> None:
    model = LinearRegression().fit(np.ones((3, 4)), [0.0, 1.0, 2.0])
    with pytest.raises(ValidationFailed, match="predict failed") as caught:
        infer_signature(model, np.ones((2, 7)))
    assert caught.value.field == "input_example"


def test_unsupported_example_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        infer_schema("train.csv")
    assert caught.value.field == "input_example"


def test_column_of_an_undescribable_type_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="'d'"):
        infer_schema(pa.table({"d": pa.array([[1, 2]], type=pa.list_(pa.int64()))}))


def test_datetime_values_in_records() -> None:
    assert _types([{"t": datetime(2024, 1, 1)}]) == {"t": ("datetime", False)}
