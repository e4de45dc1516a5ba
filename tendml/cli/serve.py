"""``tendml serve``: run the inference server."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from tendml.cli._context import open_workspace
from tendml.cli._output import err_console
from tendml.core.errors import TendmlError
from tendml.entities.serving import ServeOptions
from tendml.registry import parse_model_ref


def serve(
    ctx: typer.Context,
    models: Annotated[
        list[str], typer.Argument(help="NAME (its traffic policy), NAME@ALIAS or NAME/VERSION.")
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    max_batch_size: Annotated[int, typer.Option(min=1, help="Most rows per predict call.")] = 256,
    max_wait_us: Annotated[
        int, typer.Option(min=0, help="Longest wait for a batch to fill, under load.")
    ] = 300,
    durable: Annotated[bool, typer.Option(help="Answer only once each prediction is fsynced.")] = False,
    log_predictions: Annotated[bool, typer.Option("--log/--no-log", help="Keep the prediction log.")] = True,
    refresh_interval: Annotated[float, typer.Option(help="Seconds between registry checks.")] = 2.0,
    flush_interval: Annotated[float, typer.Option(help="Seconds between prediction-log segments.")] = 1.0,
    max_body_bytes: Annotated[int, typer.Option(min=1)] = 16 * 1024 * 1024,
    model_threads: Annotated[int, typer.Option(min=1, help="Native threads per predict call.")] = 1,
    inline_us: Annotated[
        int,
        typer.Option(min=0, help="Score lone requests on the event loop if that takes at most this."),
    ] = 5000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve registered models over v2 (KServe/Triton), MLflow's /invocations and /models/NAME/predict."""
    import uvicorn

    try:
        refs = [parse_model_ref(m) for m in models]
        registry = open_workspace(ctx).registry
        for ref in refs:
            registry.resolve(ref)  # fails here, in one line, if nothing could be served
        options = ServeOptions(
            max_batch_rows=max_batch_size,
            max_wait_us=max_wait_us,
            durable=durable,
            log_predictions=log_predictions,
            refresh_interval=refresh_interval,
            flush_interval=flush_interval,
            max_body_bytes=max_body_bytes,
            model_threads=model_threads,
            inline_us=inline_us,
        ).check()
    except TendmlError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    home = ctx.find_root().obj.get("home") if ctx.find_root().obj else None
    if home is not None:
        os.environ["TENDML_HOME"] = str(home)
    os.environ.update(options.environment(models))
    # An import string, not an import: each worker process builds its own app.
    uvicorn.run(
        "tendml.serving.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=30,
    )
