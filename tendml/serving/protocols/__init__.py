"""Wire codecs of the inference server, free of any web framework.

Pure functions from request bytes to validated NumPy inputs and from predictions to response
bytes, for the Open Inference Protocol v2 (``v2``), MLflow's scoring protocol (``mlflow``) and
tendml's own (``native``). Every decoder raises only :class:`RequestError` on bad input, with the
HTTP status it earns (400, 413, 415 or 422), so no request can cause a 500.
"""

from tendml.serving.protocols import mlflow, native, openapi, v2
from tendml.serving.protocols.errors import RequestError
from tendml.serving.protocols.native import NativeMeta
from tendml.serving.protocols.openapi import openapi_schema
from tendml.serving.protocols.result import Prediction
from tendml.serving.protocols.v2 import InferRequestMeta, RequestedOutput
from tendml.serving.protocols.validation import (
    MAX_ROWS,
    Inputs,
    validate_columns,
    validate_rows,
    validate_tensor,
)

__all__ = [
    "MAX_ROWS",
    "InferRequestMeta",
    "Inputs",
    "NativeMeta",
    "Prediction",
    "RequestError",
    "RequestedOutput",
    "mlflow",
    "native",
    "openapi",
    "openapi_schema",
    "v2",
    "validate_columns",
    "validate_rows",
    "validate_tensor",
]
