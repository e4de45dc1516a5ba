"""Prometheus metrics of the server: requests, errors, latency, batch sizes, per model, version, arm."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServingMetrics:
    """The server's metrics in their own registry (one per app, so tests can run several)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("model", "version", "arm")
        self.requests = Counter(
            "tendml_requests", "Inference requests answered", (*labels, "protocol"), registry=self.registry
        )
        self.rows = Counter("tendml_predictions", "Rows predicted", labels, registry=self.registry)
        self.errors = Counter(
            "tendml_request_errors",
            "Requests answered with an error",
            ("model", "protocol", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "tendml_request_latency_seconds",
            "Time to answer an inference request",
            labels,
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_rows = Histogram(
            "tendml_batch_rows",
            "Rows per predict call",
            ("model", "version"),
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.shadow = Counter(
            "tendml_shadow_predictions", "Rows scored in shadow", ("model", "version"), registry=self.registry
        )
        self._children: dict[tuple[str, int, str, str], tuple[Counter, Counter, Histogram]] = {}

    def observe(self, model: str, version: int, arm: str, protocol: str, rows: int, seconds: float) -> None:
        """Record one answered request (label lookups cached: this is on the hot path)."""
        key = (model, version, arm, protocol)
        children = self._children.get(key)
        if children is None:
            labels = (model, str(version), arm)
            children = (
                self.requests.labels(*labels, protocol),
                self.rows.labels(*labels),
                self.latency.labels(*labels),
            )
            self._children[key] = children
        children[0].inc()
        children[1].inc(rows)
        children[2].observe(seconds)

    def error(self, model: str, protocol: str, status: int) -> None:
        self.errors.labels(model or "-", protocol, str(status)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
