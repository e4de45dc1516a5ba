"""Reads the prediction and label log back with DuckDB: windows, id look-ups, latest labels, joins.

Segments are found by listing their keys (day partitions outside a window are never read) and handed
to DuckDB's ``read_parquet`` with ``union_by_name``, so versions with different input columns read
together. Folder stores are read from their paths; other fsspec stores (S3) through their filesystem,
registered with DuckDB (no DuckDB extension is needed). Rows come in no particular order.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
from fsspec.implementations.local import LocalFileSystem

from tendml.artifacts import ArtifactStore
from tendml.core.errors import ValidationFailed
from tendml.logs.segments import LABEL_SCHEMA, PREDICTION_SCHEMA, key_day, model_prefix, utc_day

#: A window spanning at most this many days lists its day folders one by one instead of the whole model.
LIST_DAYS_AT_MOST = 31
# Columns matched by name across segments; none made from the "model=" and "date=" folders (data has them).
_SCAN = "read_parquet($files, union_by_name=true, hive_partitioning=false)"
_LATEST_LABELS = """
    SELECT prediction_id, label, time
    FROM read_parquet($labels, union_by_name=true, hive_partitioning=false, filename=true)
    QUALIFY row_number() OVER (PARTITION BY prediction_id ORDER BY time DESC, filename DESC) = 1
"""


class LogReader:
    """Queries over the prediction and label segments of an artifact store; safe to share between threads.

    >>> store = ArtifactStore("memory://doctest-reader")
    >>> reader = LogReader(store)
    >>> reader.count("churn"), reader.predictions("churn").num_rows
    (0, 0)
    """

    def __init__(self, artifacts: ArtifactStore) -> None:
        self._artifacts = artifacts
        self._db = duckdb.connect()
        self._db.execute("SET GLOBAL TimeZone = 'UTC'")
        self._lock = threading.Lock()
        self._registered = False

    def __repr__(self) -> str:
        return f"LogReader({self._artifacts!r})"

    def predictions(
        self,
        model: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """The predictions of ``model`` with ``since <= time < until`` (naive datetimes are UTC).

        ``columns`` picks among ``prediction_id, time, model, version, arm, inputs, prediction,
        probabilities, latency_ms`` (all by default); ``inputs`` is a struct of the input columns.
        """
        names = _check_columns(columns)
        files = self._files("predictions", model, since, until)
        if not files:
            return _empty(PREDICTION_SCHEMA, names)
        where, params = _window(since, until)
        select = ", ".join(f'"{name}"' for name in names) if columns else "*"
        sql = f"SELECT {select} FROM {_SCAN} {where}"
        return self._table(sql, {"files": files, **params})

    def existing_ids(self, model: str | None, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are logged predictions (of ``model``, or of any model when None)."""
        wanted = list(dict.fromkeys(ids))
        if not all(isinstance(i, str) for i in wanted):
            raise ValidationFailed("prediction ids must be strings", field="ids")
        if not wanted:
            return set()
        days = _id_days(wanted)
        if days is None or model is None:
            files = self._files("predictions", model, None, None)
        else:  # ids made by the server start with their time: only those days' folders are read
            files = sorted({f for day in days for f in self._files("predictions", model, day, day)})
        if not files:
            return set()
        sql = f"SELECT DISTINCT prediction_id FROM {_SCAN} WHERE prediction_id IN (SELECT unnest($ids))"
        return {row[0] for row in self._rows(sql, {"files": files, "ids": wanted})}

    def labels(self, model: str) -> pa.Table:
        """The latest label of each labelled prediction of ``model``: ``prediction_id, label, time``."""
        files = self._files("labels", model, None, None)
        if not files:
            return LABEL_SCHEMA.empty_table()
        return self._table(_LATEST_LABELS, {"labels": files})

    def joined(self, model: str, *, since: datetime | None = None, until: datetime | None = None) -> pa.Table:
        """The predictions of a window with the latest label of each (column ``label``, null if none)."""
        files = self._files("predictions", model, since, until)
        if not files:
            return _empty(PREDICTION_SCHEMA.append(pa.field("label", pa.string())), None)
        where, params = _window(since, until)
        predictions = f"SELECT * FROM {_SCAN} {where}"
        label_files = self._files("labels", model, None, None)
        if not label_files:
            sql = f"SELECT *, CAST(NULL AS VARCHAR) AS label FROM ({predictions})"
            return self._table(sql, {"files": files, **params})
        sql = (
            f"WITH p AS ({predictions}), l AS ({_LATEST_LABELS}) "
            "SELECT p.*, l.label FROM p LEFT JOIN l ON l.prediction_id = p.prediction_id"
        )
        return self._table(sql, {"files": files, "labels": label_files, **params})

    def count(self, model: str) -> int:
        """How many predictions of ``model`` are logged (from the segments' metadata)."""
        files = self._files("predictions", model, None, None)
        if not files:
            return 0
        rows = self._rows(f"SELECT count(*) FROM {_SCAN}", {"files": files})
        return int(rows[0][0])

    def _files(
        self, kind: str, model: str | None, since: datetime | None, until: datetime | None
    ) -> list[str]:
        """Locations of the segments of ``kind`` (of ``model``, or all) whose day can hold the window."""
        if model is not None and (not isinstance(model, str) or not model):
            raise ValidationFailed(f"model must be a non-empty name, got {model!r}", field="model")
        base = model_prefix(kind, model) if model is not None else f"{kind}/"
        first = utc_day(since) if since is not None else None
        last = utc_day(until) if until is not None else None
        keys = [
            key
            for key in self._list(base, first, last, by_day=model is not None)
            if key.endswith(".parquet") and _day_in(key_day(key), first, last)
        ]
        fs, paths = self._artifacts.key_paths(keys)
        if paths and not isinstance(fs, LocalFileSystem):
            self._register(fs)
        return paths

    def _list(self, base: str, first: str | None, last: str | None, *, by_day: bool) -> list[str]:
        """Keys under ``base``: day folder by day folder for a short window of one model, else all."""
        if first is None or last is None or not by_day:
            return self._artifacts.list_keys(base)
        start, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
        if (end - start).days > LIST_DAYS_AT_MOST:
            return self._artifacts.list_keys(base)
        days = [(start + timedelta(days=n)).date().isoformat() for n in range((end - start).days + 1)]
        return [key for day in days for key in self._artifacts.list_keys(f"{base}date={day}/")]

    def _register(self, fs: Any) -> None:
        with self._lock:
            if not self._registered:
                self._db.register_filesystem(fs)
                self._registered = True

    def _table(self, sql: str, params: dict[str, Any]) -> pa.Table:
        # A cursor per query: DuckDB connections are not shared between threads, cursors are cheap.
        table: pa.Table = self._db.cursor().sql(sql, params=params).to_arrow_table()
        return table

    def _rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._db.cursor().sql(sql, params=params).fetchall()
        return rows


def _day_in(day: str | None, first: str | None, last: str | None) -> bool:
    if day is None:
        return False
    return (first is None or day >= first) and (last is None or day <= last)


def _window(since: datetime | None, until: datetime | None) -> tuple[str, dict[str, datetime]]:
    """The WHERE clause and parameters of ``since <= time < until``."""
    clauses, params = [], {}
    if since is not None:
        clauses.append("time >= $since")
        params["since"] = _aware(since)
    if until is not None:
        clauses.append("time < $until")
        params["until"] = _aware(until)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise ValidationFailed(f"since/until must be datetimes, got {moment!r}", field="since")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _check_columns(columns: list[str] | None) -> list[str]:
    if columns is None:
        return list(PREDICTION_SCHEMA.names)
    unknown = [c for c in columns if c not in PREDICTION_SCHEMA.names]
    if unknown or not columns:
        raise ValidationFailed(
            f"unknown prediction log columns {unknown}" if unknown else "columns is empty",
            field="columns",
            hint=f"choose among {', '.join(PREDICTION_SCHEMA.names)}",
        )
    return list(dict.fromkeys(columns))


def _empty(schema: pa.Schema, names: list[str] | None) -> pa.Table:
    table = schema.empty_table()
    return table.select(names) if names is not None else table


_EARLIEST_ID = datetime(2020, 1, 1, tzinfo=UTC)
_ID_SLACK = timedelta(minutes=5)  # an id's time vs its prediction's (made by the same process moments apart)


def _id_days(ids: Sequence[str]) -> set[datetime] | None:
    """The UTC days whose partitions can hold predictions with these ids, when each starts with its
    creation time in ms as 12 hex digits (the ids the server makes); None if one does not."""
    days: set[datetime] = set()
    latest = datetime.now(UTC) + timedelta(days=1)
    for prediction_id in ids:
        try:
            ms = int(prediction_id[:12], 16) if len(prediction_id) == 32 else -1
            moment = datetime.fromtimestamp(ms / 1000, UTC) if ms >= 0 else None
        except (ValueError, OverflowError, OSError):
            moment = None
        if moment is None or not _EARLIEST_ID <= moment <= latest:
            return None  # not an id of the server's (chosen by a caller of PredictionLog): read every day
        days.add((moment - _ID_SLACK).replace(hour=0, minute=0, second=0, microsecond=0))
        days.add((moment + _ID_SLACK).replace(hour=0, minute=0, second=0, microsecond=0))
    return days
