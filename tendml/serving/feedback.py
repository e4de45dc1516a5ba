"""Feedback: late ground-truth labels for logged predictions, idempotent, unknown ids reported."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import orjson

from tendml.serving.protocols import RequestError

if TYPE_CHECKING:
    from tendml.serving.service import InferenceService

MAX_LABELS = 100_000
_SCALARS = (str, int, float, bool)


def parse_feedback(body: bytes, served: list[str]) -> tuple[str, dict[str, Any]]:
    """(model, {prediction_id: label}) from ``{"model"?: str, "labels": [{"prediction_id", "label"}]}``;
    the last label given for an id in one request wins."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"body is not JSON: {exc}", field="body", status=400) from None
    if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
        raise RequestError(
            "body must be an object with a 'labels' list",
            field="labels",
            status=422,
            hint='send {"model": "churn", "labels": [{"prediction_id": "…", "label": 1}]}',
        )
    model = data.get("model")
    if model is None and len(served) == 1:
        model = served[0]
    if not isinstance(model, str) or model not in served:
        raise RequestError(
            f"model {model!r} is not served here",
            field="model",
            status=422,
            hint=f"name one of: {', '.join(served)}",
        )
    items = data["labels"]
    if len(items) > MAX_LABELS:
        raise RequestError(
            f"{len(items)} labels in one request",
            field="labels",
            status=413,
            hint=f"send at most {MAX_LABELS} per request",
        )
    labels: dict[str, Any] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("prediction_id"), str):
            raise RequestError(
                "each label needs a string 'prediction_id'", field=f"labels[{i}].prediction_id", status=422
            )
        label = item.get("label")
        if not isinstance(label, _SCALARS) or (isinstance(label, float) and math.isnan(label)):
            raise RequestError(
                "a label is a string, number or boolean", field=f"labels[{i}].label", status=422
            )
        labels[item["prediction_id"]] = label
    return model, labels


def record_feedback(service: InferenceService, model: str, labels: dict[str, Any]) -> dict[str, Any]:
    """Store the labels of known predictions that are new or changed; report duplicates and unknown ids.

    Runs on a worker thread (it reads the log with DuckDB and writes a Parquet segment). Ids not in the
    log's segments yet make this process convert its write-ahead log first (predictions of the last
    second); a prediction made by another worker process within its last flush interval is reported
    unknown until that worker has flushed it.
    """
    known = service.reader.existing_ids(model, list(labels))
    if len(known) < len(labels) and service.log is not None and service.log.holds_unconverted():
        # Some ids may be predictions of the last moments, still in this process's write-ahead log.
        service.log.flush()
        known |= service.reader.existing_ids(model, [i for i in labels if i not in known])
    unknown = [i for i in labels if i not in known]
    existing = _existing_labels(service, model, known)
    fresh = [(i, labels[i]) for i in labels if i in known and existing.get(i, _MISSING) != labels[i]]
    if fresh:
        service.labels.write(model, fresh)
    return {"accepted": len(fresh), "duplicates": len(known) - len(fresh), "unknown_ids": unknown}


_MISSING = object()


def _existing_labels(service: InferenceService, model: str, ids: set[str]) -> dict[str, Any]:
    if not ids:
        return {}
    table = service.reader.labels(model)
    if table.num_rows == 0:
        return {}
    found = dict(
        zip(table.column("prediction_id").to_pylist(), table.column("label").to_pylist(), strict=True)
    )
    return {i: found[i] for i in ids if i in found}
