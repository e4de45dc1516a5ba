"""The predictions of a request, or of requests scored together, as columns: what the inference
server hands to the log.

A batch holds the NumPy arrays as they are (no row objects), and is checked when it is made with a
few checks per batch, per request and per column, never per row, so building one costs microseconds. The
columns of a small batch that share one numeric dtype are also packed then into one array, by the same
pass that checks them (the log keeps that array rather than one per column: see ``block.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from tendml.core.columns import PackedColumns
from tendml.core.errors import ValidationFailed

#: dtype kinds of input columns: bool, int, uint, float, object (str, bytes, ...), str, datetime64.
COLUMN_KINDS = frozenset("biufOUM")
_VERSION_LIMIT = 2**31  # stored as int32
_TIME_LIMIT = 253_402_300_800_000_000  # year 10000: days of the partitions are dates
_SHAPE, _DTYPE = attrgetter("shape"), attrgetter("dtype")
#: Batches of at most this many rows have their numeric columns packed into one array.
PACK_ROWS = 256
_NUMBERS = frozenset("biuf")


@dataclass(frozen=True, slots=True, eq=False)
class PredictionBatch:
    """The predictions of one request (one time, arm and latency), or of several requests that one model
    version scored together (``counts`` rows each, and one time, arm and latency each), with one id per
    row and the inputs as columns.

    ``columns`` maps input names to 1-D arrays of one value a row (float, int, bool, datetime64, or
    object arrays of str or bytes); a tensor input is ``tensor`` instead, an array ``(rows, ...)``; both
    None logs no inputs. ``predictions`` is ``(rows,)`` or ``(rows, k)``, ``probabilities`` the class
    probabilities ``(rows, n_classes)`` or None. The checks (ValidationFailed) cost the same for 1 row
    and for 10,000: types of the scalars, types and lengths of the arrays (and one pass in C over the
    ids). When a batch has at most ``PACK_ROWS`` rows and its columns share a numeric dtype, the pass
    that checks them also copies them into ``packed`` (what the log keeps); ``columns`` given as
    :class:`~tendml.core.columns.PackedColumns` (one numeric array) are kept as that array. The batch
    keeps references to the arrays: do not change them once logged. Batches compare by identity
    (arrays have no single truth value).

    The inference server logs one batch per ``predict`` call: ``counts`` the rows of each request in it,
    ``time_us``, ``arm`` and ``latency_ms`` then sequences with one value per request.

    >>> batch = PredictionBatch(["0" * 32, "1" * 32], 1_700_000_000_000_000, "churn", 3, "champion",
    ...                         {"age": np.array([41, 37])}, None, np.array([1, 0]), None, 1.25)
    >>> batch.rows, batch.model
    (2, 'churn')
    >>> try:
    ...     PredictionBatch(["0" * 32], 0, "churn", 3, "champion", None, None, np.array([1, 0]), None, 1.0)
    ... except ValidationFailed as exc:
    ...     print(exc.field)
    predictions
    >>> scored = PredictionBatch(["a" * 32, "b" * 32, "c" * 32], [5, 5], "churn", 3, ["champion", "shadow"],
    ...                          {"age": np.array([41, 37, 29])}, None, np.array([1, 0, 1]), None, [1.5, 2.0],
    ...                          counts=[1, 2])
    >>> scored.rows, scored.requests
    (3, 2)
    """

    ids: Sequence[str]
    time_us: int | Sequence[int]
    model: str
    version: int
    arm: str | Sequence[str]
    columns: Mapping[str, np.ndarray] | None
    tensor: np.ndarray | None
    predictions: np.ndarray
    probabilities: np.ndarray | None
    latency_ms: float | Sequence[float]
    #: Rows of each request when the batch holds several (then ``time_us``, ``arm`` and ``latency_ms``
    #: hold one value per request); None for one request.
    counts: Sequence[int] | None = None
    #: The columns as one array ``(columns, rows)`` when they share a numeric dtype (small batches).
    packed: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # One fast check of the common case; the slow path names the field that is wrong.
        ids = self.ids
        rows = len(ids) if type(ids) in (list, tuple) else -1
        if not (
            (rows == 0 or set(map(type, ids)) == {str})
            and (_is_one_request(self) if self.counts is None else _are_requests(self, rows))
            and type(self.model) is str
            and self.model
            and isinstance(self.version, int)
            and 0 <= self.version < _VERSION_LIMIT
            and _is_rows(self.predictions, rows, 1, 32)
            and (self.probabilities is None or _is_proba(self.probabilities, rows))
            and (self.tensor is None or (self.columns is None and _is_rows(self.tensor, rows, 1, 32)))
            and (self.columns is None or self._check_columns(self.columns, rows))
        ):
            _raise_invalid(self)

    def _check_columns(self, columns: Mapping[str, np.ndarray], rows: int) -> bool:
        if type(columns) is PackedColumns:  # already one array: checked whole, made contiguous
            matrix = columns.matrix
            names = columns.names
            if not (
                type(matrix) is np.ndarray
                and matrix.shape == (len(names), rows)
                and matrix.dtype.kind in _NUMBERS
                and set(map(type, names)) <= {str}
                and len(set(names)) == len(names)
            ):
                return False
            object.__setattr__(self, "packed", np.ascontiguousarray(matrix))
            return True
        packed = _packed(columns, rows) if rows <= PACK_ROWS else None
        if packed is None:
            return _are_columns(columns, rows)
        object.__setattr__(self, "packed", packed)
        return True

    @property
    def rows(self) -> int:
        """The number of predictions."""
        return len(self.ids)

    @property
    def requests(self) -> int:
        """The number of requests whose predictions these are."""
        return 1 if self.counts is None else len(self.counts)


def _is_one_request(batch: PredictionBatch) -> bool:
    time_us = batch.time_us
    return (
        isinstance(time_us, int)
        and 0 <= time_us < _TIME_LIMIT
        and type(batch.arm) is str
        and isinstance(batch.latency_ms, (float, int))
    )


def _are_requests(batch: PredictionBatch, rows: int) -> bool:
    counts, time_us, arm, latency = batch.counts, batch.time_us, batch.arm, batch.latency_ms
    if not (
        isinstance(counts, (list, tuple))
        and isinstance(time_us, (list, tuple))
        and isinstance(arm, (list, tuple))
        and isinstance(latency, (list, tuple))
        and len(counts) > 0
    ):
        return False
    return (
        len(time_us) == len(arm) == len(latency) == len(counts)
        and set(map(type, counts)) == {int}
        and min(counts) >= 0
        and sum(counts) == rows
        and set(map(type, time_us)) == {int}
        and min(time_us) >= 0
        and max(time_us) < _TIME_LIMIT
        and set(map(type, arm)) == {str}
        and set(map(type, latency)) <= {float, int}
    )


def _is_rows(array: object, rows: int, least: int, most: int) -> bool:
    return type(array) is np.ndarray and least <= array.ndim <= most and array.shape[0] == rows


def _is_proba(array: np.ndarray, rows: int) -> bool:
    return _is_rows(array, rows, 2, 2) and array.dtype.kind == "f"


def _packed(columns: Mapping[str, np.ndarray], rows: int) -> np.ndarray | None:
    """The columns as one array if they are valid and share a numeric dtype, else None.

    ``casting="no"`` makes the concatenation raise for a column of another dtype, and checks the
    dtypes in the same pass that copies the values.
    """
    if type(columns) is not dict or len(columns) < 2:  # one column: nothing to pack
        return None
    arrays = list(columns.values())
    first = arrays[0]
    if type(first) is not np.ndarray or first.dtype.kind not in _NUMBERS:
        return None
    try:
        if not (
            set(map(type, arrays)) == {np.ndarray}
            and set(map(len, arrays)) == {rows}
            and set(map(type, columns)) == {str}
        ):
            return None
        matrix = np.concatenate(arrays, casting="no")
    except (TypeError, ValueError):  # an array of no length (0-D), or of another dtype or dimension
        return None
    return matrix.reshape(len(arrays), rows) if matrix.ndim == 1 else None


def _are_columns(columns: Mapping[str, np.ndarray], rows: int) -> bool:
    # A pass of C (map, set) per property rather than a loop in Python: a third of the time for 20 columns.
    if type(columns) is not dict and not isinstance(columns, Mapping):
        return False
    arrays = columns.values()
    return (
        set(map(type, arrays)) <= {np.ndarray}
        and set(map(_SHAPE, arrays)) <= {(rows,)}
        and all(dtype.kind in COLUMN_KINDS for dtype in set(map(_DTYPE, arrays)))
        and set(map(type, columns)) <= {str}
    )


def _raise_invalid(batch: PredictionBatch) -> None:
    for name, allowed, ok in _checks(batch):
        if not ok:
            value = getattr(batch, name)
            raise ValidationFailed(
                f"PredictionBatch.{name} must be {allowed}, got {_describe(value)}",
                field=name,
                hint="build a batch from the request's arrays and plain int, str and float scalars",
            )


def _checks(batch: PredictionBatch) -> list[tuple[str, str, bool]]:
    """(field, what is allowed, whether it is) for each field, in order."""
    ids, version, tensor, columns = batch.ids, batch.version, batch.tensor, batch.columns
    rows = len(ids) if type(ids) in (list, tuple) else -1
    kinds = "".join(sorted(COLUMN_KINDS))
    return [
        ("ids", "a list of prediction ids (str)", rows >= 0 and all(type(i) is str for i in ids)),
        *(_request_checks(batch) if batch.counts is None else _requests_checks(batch, rows)),
        ("model", "a non-empty model name", type(batch.model) is str and bool(batch.model)),
        ("version", "an int", isinstance(version, int)),
        ("version", f"in [0, {_VERSION_LIMIT})", isinstance(version, int) and 0 <= version < _VERSION_LIMIT),
        ("predictions", f"an array of {rows} rows", _is_rows(batch.predictions, rows, 1, 32)),
        (
            "probabilities",
            f"None or a 2-D float array of {rows} rows",
            batch.probabilities is None or _is_proba(batch.probabilities, rows),
        ),
        ("tensor", "None when there are columns", tensor is None or columns is None),
        ("tensor", f"None or an array of {rows} rows", tensor is None or _is_rows(tensor, rows, 1, 32)),
        (
            "columns",
            f"None or a mapping of name -> 1-D array of {rows} values (dtype kind in {kinds!r})",
            columns is None or _are_columns(columns, rows),
        ),
    ]


def _request_checks(batch: PredictionBatch) -> list[tuple[str, str, bool]]:
    time_us = batch.time_us
    return [
        ("time_us", "an int of epoch microseconds (UTC)", isinstance(time_us, int)),
        ("time_us", "after 1970 and before 10000", isinstance(time_us, int) and 0 <= time_us < _TIME_LIMIT),
        ("arm", "a string such as 'champion' or 'shadow'", type(batch.arm) is str),
        ("latency_ms", "a float number of milliseconds", isinstance(batch.latency_ms, (float, int))),
    ]


def _requests_checks(batch: PredictionBatch, rows: int) -> list[tuple[str, str, bool]]:
    counts = batch.counts
    n = len(counts) if isinstance(counts, (list, tuple)) else -1
    counts_ok = isinstance(counts, (list, tuple)) and n > 0 and all(type(c) is int and c >= 0 for c in counts)
    checks = [
        (
            "counts",
            f"a non-empty list of the rows (int) of each request, summing to {rows}",
            counts_ok and sum(counts or ()) == rows,
        )
    ]
    per_request: dict[str, tuple[str, Callable[[object], bool]]] = {
        "time_us": ("ints of epoch microseconds (UTC) after 1970 and before 10000", _is_time),
        "arm": ("strings such as 'champion' or 'shadow'", lambda v: type(v) is str),
        "latency_ms": ("float numbers of milliseconds", lambda v: type(v) in (float, int)),
    }
    for name, (what, ok) in per_request.items():
        value = getattr(batch, name)
        good = isinstance(value, (list, tuple)) and len(value) == n and all(map(ok, value))
        checks.append((name, f"a list of {n} {what}, one per request", good))
    return checks


def _is_time(value: object) -> bool:
    return type(value) is int and 0 <= value < _TIME_LIMIT


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array {value.dtype} of shape {value.shape}"
    if isinstance(value, Mapping):
        shapes = {str(k): getattr(v, "shape", type(v).__name__) for k, v in list(value.items())[:5]}
        return f"a mapping {shapes!r:.200}"
    return f"{type(value).__name__} {value!r:.60}"
