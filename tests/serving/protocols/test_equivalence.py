"""Every way of sending the same rows, in every protocol, decodes to the same Inputs."""

from __future__ import annotations

import base64
from collections.abc import Callable

import numpy as np
import orjson
import pytest

from tendml.serving.protocols import Inputs, mlflow, native, v2, validate_columns, validate_rows
from tests.serving.protocols.samples import (
    MIXED,
    MIXED_INPUTS,
    MIXED_ROWS,
    NUMERIC,
    NUMERIC_INPUTS,
    NUMERIC_ROWS,
    PHOTOS,
    TENSOR,
    TENSOR_DATA,
    TENSOR_INPUTS,
    columns_of,
)
from tests.serving.protocols.triton import infer_input, request_body

JSON = "application/json"


def _split(rows: list[dict[str, object]]) -> bytes:
    names = list(rows[0])
    split = {"columns": names, "data": [[row[n] for n in names] for row in rows], "index": [0, 1, 2]}
    return orjson.dumps({"dataframe_split": split})


def _v2_columns(rows: list[dict[str, object]], datatypes: dict[str, str]) -> bytes:
    columns = columns_of(rows)
    inputs = [
        {"name": name, "shape": [len(values)], "datatype": datatypes[name], "data": values}
        for name, values in columns.items()
    ]
    return orjson.dumps({"inputs": inputs})


def _numeric_arrays() -> dict[str, np.ndarray]:
    return {
        "age": np.array([41, 7, 23], dtype=np.int64),
        "income": np.array([52000.5, 0.0, 1234.75]),
        "score": np.array([0.25, 1.5, -2.0], dtype=np.float32),
        "visits": np.array([3, 0, 12], dtype=np.int32),
    }


def _numeric_matrix() -> np.ndarray:
    return np.array([[row[n] for n in NUMERIC.inputs.names] for row in NUMERIC_ROWS], dtype=np.float64)


def _v2_binary(arrays: dict[str, np.ndarray], shape_1: bool = False) -> Inputs:
    inputs = [infer_input(n, a.reshape(-1, 1) if shape_1 else a) for n, a in arrays.items()]
    body, length = request_body(inputs)
    assert length is not None  # tritonclient sends binary data by default
    return v2.decode_infer(body, NUMERIC, header_length=length)[0]


def _v2_binary_matrix() -> Inputs:
    body, length = request_body([infer_input("input-0", _numeric_matrix())])
    return v2.decode_infer(body, NUMERIC, header_length=length)[0]


NUMERIC_FORMS: dict[str, Callable[[], Inputs]] = {
    "validate_columns": lambda: validate_columns(NUMERIC, columns_of(NUMERIC_ROWS)),
    "validate_rows": lambda: validate_rows(NUMERIC, NUMERIC_ROWS),
    "mlflow dataframe_split": lambda: mlflow.decode_invocations(_split(NUMERIC_ROWS), JSON, NUMERIC),
    "mlflow dataframe_records": lambda: mlflow.decode_invocations(
        orjson.dumps({"dataframe_records": NUMERIC_ROWS}), JSON, NUMERIC
    ),
    "mlflow instances records": lambda: mlflow.decode_invocations(
        orjson.dumps({"instances": NUMERIC_ROWS, "params": {"a": 1}}), JSON, NUMERIC
    ),
    "mlflow inputs columns": lambda: mlflow.decode_invocations(
        orjson.dumps({"inputs": columns_of(NUMERIC_ROWS)}), "application/json; charset=utf-8", NUMERIC
    ),
    "mlflow inputs 2-D": lambda: mlflow.decode_invocations(
        orjson.dumps({"inputs": _numeric_matrix().tolist()}), JSON, NUMERIC
    ),
    "mlflow csv": lambda: mlflow.decode_invocations(
        b"age,income,score,visits\n41,52000.5,0.25,3\n7,0,1.5,0\n23,1234.75,-2,12\n", "text/csv", NUMERIC
    ),
    "mlflow csv with pandas index": lambda: mlflow.decode_invocations(
        b",age,income,score,visits\n0,41,52000.5,0.25,3\n1,7,0.0,1.5,0\n2,23,1234.75,-2.0,12\n",
        "text/csv",
        NUMERIC,
    ),
    "native records": lambda: native.decode_predict(orjson.dumps({"records": NUMERIC_ROWS}), NUMERIC)[0],
    "native columns": lambda: native.decode_predict(
        orjson.dumps({"columns": columns_of(NUMERIC_ROWS)}), NUMERIC
    )[0],
    "v2 columns json": lambda: v2.decode_infer(
        _v2_columns(NUMERIC_ROWS, {"age": "INT64", "income": "FP64", "score": "FP32", "visits": "INT32"}),
        NUMERIC,
    )[0],
    "v2 columns json as FP64": lambda: v2.decode_infer(
        _v2_columns(NUMERIC_ROWS, dict.fromkeys(NUMERIC.inputs.names, "FP64")), NUMERIC
    )[0],
    "v2 single 2-D tensor json": lambda: v2.decode_infer(
        orjson.dumps(
            {
                "inputs": [
                    {
                        "name": "input-0",
                        "shape": [3, 4],
                        "datatype": "FP64",
                        "data": _numeric_matrix().tolist(),
                    }
                ]
            }
        ),
        NUMERIC,
    )[0],
    "v2 binary columns (tritonclient)": lambda: _v2_binary(_numeric_arrays()),
    "v2 binary columns [n, 1] (tritonclient)": lambda: _v2_binary(_numeric_arrays(), shape_1=True),
    "v2 binary 2-D tensor (tritonclient)": _v2_binary_matrix,
    "v2 json via tritonclient": lambda: v2.decode_infer(
        request_body([infer_input(n, a, binary=False) for n, a in _numeric_arrays().items()])[0], NUMERIC
    )[0],
}


@pytest.mark.parametrize("form", NUMERIC_FORMS)
def test_numeric_forms_decode_alike(form: str) -> None:
    assert NUMERIC_FORMS[form]() == NUMERIC_INPUTS


def _mixed_v2_json() -> bytes:
    columns = columns_of(MIXED_ROWS)
    columns["photo"] = [p.decode() for p in PHOTOS]  # v2 JSON BYTES are text: its UTF-8 bytes are the value
    datatypes = {
        "age": "INT64",
        "income": "FP64",
        "city": "BYTES",
        "member": "BOOL",
        "joined": "BYTES",
        "photo": "BYTES",
    }
    inputs = [{"name": n, "shape": [3], "datatype": datatypes[n], "data": v} for n, v in columns.items()]
    return orjson.dumps({"inputs": inputs})


def _mixed_v2_binary() -> Inputs:
    columns = columns_of(MIXED_ROWS)
    arrays = {
        "age": np.array(columns["age"], dtype=np.int64),
        "income": np.array([52000.5, np.nan, -1.5]),
        "city": np.array([c.encode() for c in columns["city"]], dtype=object),
        "member": np.array(columns["member"]),
        "joined": np.array([j.encode() for j in columns["joined"]], dtype=object),
        "photo": np.array(PHOTOS, dtype=object),
    }
    body, length = request_body([infer_input(n, a) for n, a in arrays.items()], request_id="r-1")
    return v2.decode_infer(body, MIXED, header_length=length)[0]


def _mixed_csv() -> bytes:
    return (
        "age,income,city,member,joined,photo\n"
        f"41,52000.5,Paris,true,2020-01-01T00:00:00Z,{MIXED_ROWS[0]['photo']}\n"
        f'7,,"Zürich, ""CH""",false,2021-06-15T12:30:00+02:00,{MIXED_ROWS[1]["photo"]}\n'
        "23,-1.5,NA,True,2022-03-01,\n"
    ).encode()


MIXED_FORMS: dict[str, Callable[[], Inputs]] = {
    "validate_rows": lambda: validate_rows(MIXED, MIXED_ROWS),
    "mlflow dataframe_split": lambda: mlflow.decode_invocations(_split(MIXED_ROWS), JSON, MIXED),
    "mlflow dataframe_records": lambda: mlflow.decode_invocations(
        orjson.dumps({"dataframe_records": MIXED_ROWS}), JSON, MIXED
    ),
    "mlflow instances": lambda: mlflow.decode_invocations(
        orjson.dumps({"instances": MIXED_ROWS}), JSON, MIXED
    ),
    "mlflow inputs columns": lambda: mlflow.decode_invocations(
        orjson.dumps({"inputs": columns_of(MIXED_ROWS)}), JSON, MIXED
    ),
    "mlflow csv": lambda: mlflow.decode_invocations(_mixed_csv(), "text/csv", MIXED),
    "native records": lambda: native.decode_predict(orjson.dumps({"records": MIXED_ROWS}), MIXED)[0],
    "native columns": lambda: native.decode_predict(orjson.dumps({"columns": columns_of(MIXED_ROWS)}), MIXED)[
        0
    ],
    "v2 columns json": lambda: v2.decode_infer(_mixed_v2_json(), MIXED)[0],
    "v2 binary columns (tritonclient)": _mixed_v2_binary,
}


@pytest.mark.parametrize("form", MIXED_FORMS)
def test_every_column_type_decodes_alike(form: str) -> None:
    got = MIXED_FORMS[form]()
    assert got == MIXED_INPUTS, got


def test_photo_fixture_is_base64_in_json() -> None:
    assert [base64.b64decode(r["photo"]) for r in MIXED_ROWS] == PHOTOS


TENSOR_FORMS: dict[str, Callable[[], Inputs]] = {
    "mlflow instances": lambda: mlflow.decode_invocations(
        orjson.dumps({"instances": TENSOR_DATA}), JSON, TENSOR
    ),
    "mlflow inputs": lambda: mlflow.decode_invocations(orjson.dumps({"inputs": TENSOR_DATA}), JSON, TENSOR),
    "native tensor": lambda: native.decode_predict(orjson.dumps({"tensor": TENSOR_DATA}), TENSOR)[0],
    "v2 json nested": lambda: v2.decode_infer(
        orjson.dumps(
            {"inputs": [{"name": "x", "shape": [2, 2, 3], "datatype": "FP32", "data": TENSOR_DATA}]}
        ),
        TENSOR,
    )[0],
    "v2 json flat": lambda: v2.decode_infer(
        orjson.dumps(
            {
                "inputs": [
                    {
                        "name": "x",
                        "shape": [2, 2, 3],
                        "datatype": "FP64",
                        "data": np.array(TENSOR_DATA).ravel().tolist(),
                    }
                ]
            }
        ),
        TENSOR,
    )[0],
}


@pytest.mark.parametrize("form", TENSOR_FORMS)
def test_tensor_forms_decode_alike(form: str) -> None:
    assert TENSOR_FORMS[form]() == TENSOR_INPUTS


def test_tensor_binary_from_tritonclient() -> None:
    body, length = request_body([infer_input("input-0", np.array(TENSOR_DATA, dtype=np.float32))])
    assert v2.decode_infer(body, TENSOR, header_length=length)[0] == TENSOR_INPUTS
