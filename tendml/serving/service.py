"""The inference service behind every protocol: route, score, log, count. Free of HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from tendml.core.errors import NotFound
from tendml.core.ids import new_ids
from tendml.entities.serving import ServeOptions
from tendml.logs import LabelLog, LogReader, PredictionBatch, PredictionLog
from tendml.registry import ModelRef
from tendml.serving.metrics import ServingMetrics
from tendml.serving.models import ModelSet
from tendml.serving.protocols import Inputs, Prediction, RequestError
from tendml.serving.routing import Arm

if TYPE_CHECKING:
    from tendml.workspace import Workspace

log = logging.getLogger("tendml.serving")
_RECENT_IDS = 200_000  # prediction ids this process remembers for feedback without reading the log


class InferenceService:
    """Serves ``refs`` from ``workspace``: one per process (each uvicorn worker has its own)."""

    def __init__(self, workspace: Workspace, refs: list[ModelRef], options: ServeOptions) -> None:
        self.workspace = workspace
        self.options = options.check()
        self.metrics = ServingMetrics()
        self.models = ModelSet(workspace, refs, options, on_batch=self._observe_batch)
        self.log: PredictionLog | None = None
        self.labels = LabelLog(workspace.artifacts)
        self.reader = LogReader(workspace.artifacts)
        self.recent: OrderedDict[str, str] = OrderedDict()
        self._refresher: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.ready = False

    @property
    def default_model(self) -> str:
        """The first served model (MLflow's ``/invocations`` serves this one)."""
        return next(iter(self.models.refs))

    async def start(self) -> None:
        """Load every model, open the prediction log, start the refresher."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.models.load)
        if self.options.log_predictions:
            wal = self.workspace.settings.home / "serving" / "wal"
            self.log = PredictionLog(
                self.workspace.artifacts,
                wal,
                durable=self.options.durable,
                flush_interval=self.options.flush_interval,
            )
            await loop.run_in_executor(None, self.log.start)
        self._refresher = asyncio.create_task(self._refresh_forever())
        self.ready = True

    async def stop(self) -> None:
        """Graceful shutdown: stop refreshing, let shadow work finish, flush the log."""
        self.ready = False
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._background:
            await asyncio.wait(self._background, timeout=10)
        if self.log is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.log.close)
        self.models.close()

    async def infer(
        self,
        name: str,
        inputs: Inputs,
        *,
        key: str | None = None,
        version: int | None = None,
        protocol: str = "native",
    ) -> Prediction:
        """Score ``inputs`` with the model's route (or a specific loaded ``version``), log and count it."""
        started = time.perf_counter()
        route = self.models.route(name)
        if version is not None:
            arm = route.arm_for_version(version)
            if arm is None:
                raise NotFound(
                    f"model {name!r} version {version} is not served here",
                    field="version",
                    hint=f"served versions: {[a.version.version for a in route.arms()]}",
                )
            shadow = None
        else:
            arm, shadow = route.choose(
                key if key is not None else _column_key(inputs, route.policy.key_column)
            )
        try:
            predictions, proba = await arm.batcher.score(inputs)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            # Valid by the signature, yet the model refused it (an unseen category, say).
            raise RequestError(
                f"the model could not score this input: {exc}",
                field="inputs",
                status=422,
                hint="check the values against the model's training data",
            ) from None
        ids = new_ids(inputs.rows)
        elapsed = time.perf_counter() - started
        await self._log(arm, arm.name, ids, inputs, predictions, proba, elapsed)
        self.metrics.observe(name, arm.version.version, arm.name, protocol, inputs.rows, elapsed)
        if shadow is not None:
            self._spawn(self._shadow(shadow, ids, inputs))
        return Prediction(
            predictions=predictions,
            probabilities=proba,
            classes=arm.version.signature.classes,
            ids=ids,
            model=name,
            version=arm.version.version,
            arm=arm.name,
        )

    async def _shadow(self, arm: Arm, ids: list[str], inputs: Inputs) -> None:
        """The challenger scores the same rows off the response path; logged under the same ids."""
        started = time.perf_counter()
        try:
            predictions, proba = await arm.batcher.score(inputs)
        except Exception:
            log.exception("tendml: shadow scoring by %s v%s failed", arm.version.model, arm.version.version)
            return
        self.metrics.shadow.labels(arm.version.model, str(arm.version.version)).inc(inputs.rows)
        await self._log(arm, "shadow", ids, inputs, predictions, proba, time.perf_counter() - started)

    async def _log(
        self,
        arm: Arm,
        arm_name: str,
        ids: list[str],
        inputs: Inputs,
        predictions: np.ndarray,
        proba: np.ndarray | None,
        seconds: float,
    ) -> None:
        if self.log is None:
            return
        batch = _batch(arm, arm_name, ids, inputs, predictions, proba, seconds * 1000.0)
        if arm_name != "shadow":
            self._remember(ids, arm.version.model)
        if self.log.durable:
            await self.log.append_durable(batch)
        else:
            self.log.append(batch)

    def _remember(self, ids: list[str], model: str) -> None:
        recent = self.recent
        for prediction_id in ids:
            recent[prediction_id] = model
        while len(recent) > _RECENT_IDS:
            recent.popitem(last=False)

    def _observe_batch(self, version: Any, rows: int) -> None:
        self.metrics.batch_rows.labels(version.model, str(version.version)).observe(rows)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.options.refresh_interval)
            changed = await loop.run_in_executor(None, self.models.refresh)
            if changed:
                log.info("tendml: switched %s", ", ".join(changed))


def _column_key(inputs: Inputs, column: str | None) -> str | None:
    if column is None or inputs.columns is None or column not in inputs.columns or inputs.rows == 0:
        return None
    return str(inputs.columns[column][0])


def _batch(
    arm: Arm,
    arm_name: str,
    ids: list[str],
    inputs: Inputs,
    predictions: np.ndarray,
    proba: np.ndarray | None,
    latency_ms: float,
) -> PredictionBatch:
    """The request's log entry: its arrays as they are, no work per row (the log's threads do the rest)."""
    version = arm.version
    return PredictionBatch(
        ids=ids,
        time_us=time.time_ns() // 1000,
        model=version.model,
        version=version.version,
        arm=arm_name,
        columns=inputs.columns,
        tensor=inputs.tensor if inputs.columns is None else None,
        predictions=predictions,
        probabilities=proba,
        latency_ms=latency_ms,
    )
