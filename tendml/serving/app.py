"""The ASGI app: HTTP in and out around :class:`InferenceService`, one codec per protocol.

Routes: Open Inference Protocol v2 (``/v2/...``), MLflow's scoring protocol (``/invocations``,
``/ping``, ``/health``, ``/version``), the native ``/models/{name}/predict``, ``/feedback``,
``/metrics`` and ``/openapi.json``. Every error is answered in the protocol's own shape; nothing a
client sends can produce a 500.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from tendml.core.errors import TendmlError
from tendml.serving import feedback
from tendml.serving.protocols import RequestError, mlflow, native, openapi, v2
from tendml.serving.service import InferenceService

if TYPE_CHECKING:
    from tendml.entities.serving import ServeOptions
    from tendml.registry import ModelRef
    from tendml.workspace import Workspace

log = logging.getLogger("tendml.serving")
JSON = "application/json"
Handler = Callable[[Request], Awaitable[Response]]


def create_app(workspace: Workspace, refs: list[ModelRef], options: ServeOptions) -> Starlette:
    """An inference app serving ``refs`` from ``workspace``; models load at start-up (lifespan)."""
    service = InferenceService(workspace, refs, options)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    h = _Handlers(service)
    routes = [
        Route("/ping", h.ping, methods=["GET"]),
        Route("/health", h.ping, methods=["GET"]),
        Route("/version", h.version, methods=["GET"]),
        Route("/invocations", h.invocations, methods=["POST"]),
        Route("/v2", h.v2_server, methods=["GET"]),
        Route("/v2/health/live", h.live, methods=["GET"]),
        Route("/v2/health/ready", h.ready, methods=["GET"]),
        Route("/v2/models/{name}", h.v2_model, methods=["GET"]),
        Route("/v2/models/{name}/ready", h.v2_model_ready, methods=["GET"]),
        Route("/v2/models/{name}/versions/{version:int}", h.v2_model, methods=["GET"]),
        Route("/v2/models/{name}/versions/{version:int}/ready", h.v2_model_ready, methods=["GET"]),
        Route("/v2/models/{name}/infer", h.v2_infer, methods=["POST"]),
        Route("/v2/models/{name}/versions/{version:int}/infer", h.v2_infer, methods=["POST"]),
        Route("/models", h.list_models, methods=["GET"]),
        Route("/models/{name}/predict", h.native_predict, methods=["POST"]),
        Route("/feedback", h.feedback, methods=["POST"]),
        Route("/metrics", h.metrics, methods=["GET"]),
        Route("/openapi.json", h.openapi, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_error})  # type: ignore[dict-item]
    app.state.service = service
    return app


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY), status, headers, JSON)


class _Handlers:
    """Thin HTTP handlers: read the body, decode, call the service, encode."""

    def __init__(self, service: InferenceService) -> None:
        self.service = service

    # --- health and metadata -------------------------------------------------------------------
    async def ping(self, request: Request) -> Response:
        return Response(b"\n" if self.service.ready else b"loading\n", 200 if self.service.ready else 503)

    async def version(self, request: Request) -> Response:
        from tendml import __version__

        return Response(__version__.encode(), 200, media_type="text/plain")

    async def live(self, request: Request) -> Response:
        return _json({"live": True})

    async def ready(self, request: Request) -> Response:
        return _json({"ready": self.service.ready}, 200 if self.service.ready else 503)

    async def v2_server(self, request: Request) -> Response:
        return _json(v2.server_metadata())

    async def v2_model(self, request: Request) -> Response:
        return await self._v2_guard(request, self._v2_model)

    async def _v2_model(self, request: Request) -> Response:
        route = self.service.models.route(request.path_params["name"])
        version = request.path_params.get("version")
        arm = route.primary if version is None else route.arm_for_version(version)
        if arm is None:
            return Response(
                v2.error_body(f"version {version} of {route.name!r} is not served"), 404, media_type=JSON
            )
        versions = [a.version.version for a in route.arms()]
        return _json(
            v2.model_metadata(route.name, versions, f"tendml_{arm.version.flavor}", arm.version.signature)
        )

    async def v2_model_ready(self, request: Request) -> Response:
        name = request.path_params["name"]
        ready = self.service.ready and name in self.service.models.routes
        return _json({"name": name, "ready": ready}, 200 if ready else 503)

    async def list_models(self, request: Request) -> Response:
        routes = self.service.models.routes.values()
        return _json(
            [
                {
                    "name": r.name,
                    "policy": r.policy.mode.value,
                    "arms": [{"arm": a.name, "version": a.version.version} for a in r.arms()],
                }
                for r in routes
            ]
        )

    # --- inference -----------------------------------------------------------------------------
    async def invocations(self, request: Request) -> Response:
        name = self.service.default_model
        try:
            body = await self._body(request)
            signature = self.service.models.route(name).primary.version.signature
            inputs = mlflow.decode_invocations(
                body,
                _header(request, b"content-type") or "",
                signature,
                max_rows=self.service.options.max_rows,
            )
            result = await self.service.infer(name, inputs, protocol="mlflow")
            return Response(mlflow.encode_predictions(result), media_type=JSON)
        except Exception as exc:  # noqa: BLE001 - every error in MLflow's shape
            status = self._status(exc, name, "mlflow")
            return Response(mlflow.error_body(_public(exc)), status, media_type=JSON)

    async def v2_infer(self, request: Request) -> Response:
        return await self._v2_guard(request, self._v2_infer)

    async def _v2_infer(self, request: Request) -> Response:
        name = request.path_params["name"]
        version = request.path_params.get("version")
        route = self.service.models.route(name)
        arm = route.primary if version is None else route.arm_for_version(version)
        signature = (arm or route.primary).version.signature
        header = request.headers.get("inference-header-content-length")
        body = await self._body(request)
        inputs, meta = v2.decode_infer(
            body, signature, header_length=_int_header(header), max_rows=self.service.options.max_rows
        )
        result = await self.service.infer(name, inputs, key=meta.key, version=version, protocol="v2")
        out, headers = v2.encode_infer(result, meta, model=name, version=result.version)
        content = "application/octet-stream" if "Inference-Header-Content-Length" in headers else JSON
        return Response(out, headers=headers, media_type=content)

    async def _v2_guard(self, request: Request, handler: Handler) -> Response:
        try:
            return await handler(request)
        except Exception as exc:  # noqa: BLE001 - every error in the v2 shape
            status = self._status(exc, request.path_params.get("name", ""), "v2")
            return Response(v2.error_body(str(_public(exc))), status, media_type=JSON)

    async def native_predict(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            body = await self._body(request)
            route = self.service.models.route(name)
            inputs, meta = native.decode_predict(
                body, route.primary.version.signature, max_rows=self.service.options.max_rows
            )
            result = await self.service.infer(name, inputs, key=meta.key, protocol="native")
            return Response(
                native.encode_predict(result, model=name, version=result.version, arm=result.arm),
                media_type=JSON,
            )
        except Exception as exc:  # noqa: BLE001 - every error in the native shape
            return self._native_error(exc, name, "native")

    async def feedback(self, request: Request) -> Response:
        try:
            body = await self._body(request)
            model, labels = feedback.parse_feedback(body, list(self.service.models.refs))
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, feedback.record_feedback, self.service, model, labels)
            return _json(result)
        except Exception as exc:  # noqa: BLE001
            return self._native_error(exc, "", "feedback")

    # --- others --------------------------------------------------------------------------------
    async def metrics(self, request: Request) -> Response:
        return Response(self.service.metrics.render(), media_type=self.service.metrics.content_type)

    async def openapi(self, request: Request) -> Response:
        from tendml import __version__

        models = [(r.name, r.primary.version.signature) for r in self.service.models.routes.values()]
        return _json(openapi.openapi_schema(models, title="tendml inference server", version=__version__))

    # --- helpers -------------------------------------------------------------------------------
    async def _body(self, request: Request) -> bytes:
        """The request body, refused with 413 as soon as it passes the size limit.

        Read from the ASGI messages directly: Starlette's stream and headers objects cost a tenth of
        a 1-row request's time on the server."""
        limit = self.service.options.max_body_bytes
        declared = _header(request, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _too_large(f"body of {declared} bytes is over the limit", limit)
        chunks, size = [], 0
        receive = request.receive
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large("body is over the size limit", limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _status(self, exc: BaseException, model: str, protocol: str) -> int:
        status = _http_status(exc)
        if status >= 500:
            log.error("tendml: %s request to %r failed", protocol, model, exc_info=exc)
        self.service.metrics.error(model, protocol, status)
        return status

    def _native_error(self, exc: BaseException, model: str, protocol: str) -> Response:
        status = self._status(exc, model, protocol)
        public = _public(exc)
        return _json({"error": public.to_dict()}, status)


def _header(request: Request, name: bytes) -> str | None:
    """The first value of the header ``name`` (lower case), read from the ASGI scope's raw list."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")  # type: ignore[no-any-return]
    return None


def _too_large(message: str, limit: int) -> RequestError:
    return RequestError(
        message, field="body", status=413, hint=f"send at most {limit} bytes per request; split the rows"
    )


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Unknown paths and methods, answered in the JSON shape of the protocol the path belongs to."""
    message = f"{request.method} {request.url.path}: {exc.detail}"
    if request.url.path.startswith("/v2"):
        return Response(v2.error_body(message), exc.status_code, media_type=JSON)
    if request.url.path == "/invocations":
        return Response(mlflow.error_body(TendmlError(message)), exc.status_code, media_type=JSON)
    return _json(
        {"error": {"type": "NotFound" if exc.status_code == 404 else "MethodNotAllowed", "message": message}},
        exc.status_code,
        dict(exc.headers or {}),
    )


def _http_status(exc: BaseException) -> int:
    if isinstance(exc, RequestError):
        return exc.status
    if isinstance(exc, TendmlError):
        return exc.http_status
    return 500


def _public(exc: BaseException) -> TendmlError:
    """What a client may see: our own errors as they are; anything else without its details."""
    if isinstance(exc, TendmlError):
        return exc
    return TendmlError("internal error while serving the request; the server log has the details")


def _int_header(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise RequestError(
            "Inference-Header-Content-Length must be a number of bytes",
            field="Inference-Header-Content-Length",
            status=400,
        )
    return int(value)
