"""Entry point of server processes: uvicorn imports :func:`app_from_env` in each worker.

``tendml serve`` puts the served models and options in the environment (so that every worker
process, spawned or forked, builds the same app) and runs uvicorn with this factory.
"""

from __future__ import annotations

from starlette.applications import Starlette

from tendml.entities.serving import ServeOptions
from tendml.registry import parse_model_ref
from tendml.serving.app import create_app
from tendml.workspace import connect


def app_from_env() -> Starlette:
    """Build the app from ``TENDML_SERVE_MODELS`` (one reference a line) and ``TENDML_SERVE_OPTIONS``."""
    models, options = ServeOptions.from_environment()
    return create_app(connect(), [parse_model_ref(m) for m in models], options)
