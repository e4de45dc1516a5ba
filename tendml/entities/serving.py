"""Settings of an inference server, shared by the CLI that starts it and the processes that run it."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import orjson

from tendml.core.errors import ValidationFailed
from tendml.entities._record import Record

MODELS_ENV = "TENDML_SERVE_MODELS"
OPTIONS_ENV = "TENDML_SERVE_OPTIONS"


@dataclass(frozen=True, slots=True)
class ServeOptions(Record):
    """How the server batches, logs and refreshes.

    Attributes:
        max_batch_rows: most rows scored in one ``predict`` call.
        max_wait_us: longest a request waits for others to join its batch when requests are arriving
            concurrently (an idle model scores a lone request at once).
        log_predictions: append every prediction to the prediction log.
        durable: answer only once the prediction is fsynced to the write-ahead log.
        flush_interval: seconds between Parquet segment writes of the prediction log.
        refresh_interval: seconds between checks of aliases and traffic policies in the registry.
        max_body_bytes: largest request body accepted (413 beyond).
        max_rows: most rows in one request (413 beyond).
        model_threads: native threads (OpenMP, BLAS) a model may use per predict call.
        inline_us: a lone small request (at most 32 rows) to an idle model whose such requests take
            at most this long is scored on the event loop's thread, saving the hand-over to the
            model's thread (0: never).
    """

    max_batch_rows: int = 256
    max_wait_us: int = 300
    log_predictions: bool = True
    durable: bool = False
    flush_interval: float = 1.0
    refresh_interval: float = 2.0
    max_body_bytes: int = 16 * 1024 * 1024
    max_rows: int = 100_000
    model_threads: int = 1
    inline_us: int = 5000

    def check(self) -> ServeOptions:
        """Return self, or raise ValidationFailed naming the bad option."""
        for name in ("max_batch_rows", "max_body_bytes", "max_rows", "model_threads"):
            if getattr(self, name) < 1:
                raise ValidationFailed(f"{name} must be at least 1", field=name)
        for name in ("max_wait_us", "inline_us"):
            if getattr(self, name) < 0:
                raise ValidationFailed(f"{name} must not be negative", field=name)
        for name in ("flush_interval", "refresh_interval"):
            if getattr(self, name) <= 0:
                raise ValidationFailed(f"{name} must be positive", field=name)
        return self

    def environment(self, models: list[str]) -> dict[str, str]:
        """Variables that carry the served models and these options to every server process."""
        return {MODELS_ENV: "\n".join(models), OPTIONS_ENV: orjson.dumps(asdict(self)).decode()}

    @classmethod
    def from_environment(cls) -> tuple[list[str], ServeOptions]:
        """(model references, options) from the variables :meth:`environment` set."""
        models = [line for line in os.environ.get(MODELS_ENV, "").splitlines() if line.strip()]
        return models, cls(**orjson.loads(os.environ.get(OPTIONS_ENV, "{}"))).check()
