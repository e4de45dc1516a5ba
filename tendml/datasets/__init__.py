"""Datasets: content-addressed, profiled versions of tables."""

from tendml.datasets.profiling import column_kind, profile_of, schema_of
from tendml.datasets.service import Datasets, content_hash

__all__ = ["Datasets", "column_kind", "content_hash", "profile_of", "schema_of"]
