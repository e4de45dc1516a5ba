"""Request bodies exactly as tritonclient.http builds them, and its parser for our responses."""

from __future__ import annotations

from typing import Any

import numpy as np
import tritonclient.http as triton
from tritonclient.utils import np_to_triton_dtype


def infer_input(name: str, array: np.ndarray[Any, Any], *, binary: bool = True) -> triton.InferInput:
    """One input tensor set from ``array`` (binary data by default, as tritonclient sends it)."""
    tensor = triton.InferInput(name, list(array.shape), np_to_triton_dtype(array.dtype))
    tensor.set_data_from_numpy(array, binary_data=binary)
    return tensor


def request_body(
    inputs: list[triton.InferInput],
    outputs: list[triton.InferRequestedOutput] | None = None,
    **options: Any,
) -> tuple[bytes, int | None]:
    """The body and the Inference-Header-Content-Length (None when the body is all JSON)."""
    body, header_length = triton.InferenceServerClient.generate_request_body(
        inputs, outputs=outputs, **options
    )
    return bytes(body), header_length


def parse_response(body: bytes, headers: dict[str, str]) -> triton.InferResult:
    """Our response as tritonclient reads it."""
    length = headers.get("Inference-Header-Content-Length")
    return triton.InferResult.from_response_body(body, header_length=int(length) if length else None)
