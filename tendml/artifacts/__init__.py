"""Content-addressed, write-once, verified-on-read artifact storage over fsspec (a local folder, S3, ...)."""

from tendml.artifacts.keys import safe_key
from tendml.artifacts.store import ArtifactStore

__all__ = ["ArtifactStore", "safe_key"]
