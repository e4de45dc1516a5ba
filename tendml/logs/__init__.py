"""The prediction and label log of the inference server: a write-ahead log on local disk turned into
Parquet segments in the artifact store (partitioned by model and UTC day), read back with DuckDB.

The server logs one :class:`PredictionBatch` (columns of NumPy arrays) per request."""

from tendml.logs.batch import PredictionBatch
from tendml.logs.labels import LabelLog
from tendml.logs.reader import LogReader
from tendml.logs.writer import PredictionLog

__all__ = ["LabelLog", "LogReader", "PredictionBatch", "PredictionLog"]
