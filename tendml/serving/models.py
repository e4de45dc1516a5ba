"""The models a server serves: resolved from the registry, loaded, warmed, and kept current.

A refresh re-reads aliases and traffic policies; a changed target is loaded and warmed on a worker
thread before its route is swapped in, so requests never wait for a load and in-flight requests
finish on the arms they started with. Recently used versions stay loaded, so a rollback is instant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tendml.core.errors import NotFound
from tendml.entities.deployments import TrafficMode, TrafficPolicy
from tendml.entities.models import IOKind, ModelVersion, Signature
from tendml.entities.serving import ServeOptions
from tendml.registry import ModelRef
from tendml.serving.batching import Batcher, Scored
from tendml.serving.routing import Arm, Route
from tendml.serving.scoring import Scorer

if TYPE_CHECKING:
    from tendml.workspace import Workspace

log = logging.getLogger("tendml.serving")
_KEEP_IDLE = 2  # versions kept loaded beyond those serving, per model, for instant rollback


@dataclass(frozen=True, slots=True)
class Target:
    """What a route should serve: the policy and the versions of its arms."""

    policy: TrafficPolicy
    primary: tuple[str, ModelVersion]
    challenger: tuple[str, ModelVersion] | None


class ModelSet:
    """Routes by model name, refreshed from the registry."""

    def __init__(
        self,
        workspace: Workspace,
        refs: list[ModelRef],
        options: ServeOptions,
        on_batch: Callable[[ModelVersion, int], None] | None = None,
        on_scored: Callable[[Scored], Awaitable[None] | None] | None = None,
        *,
        answer_first: bool = True,
    ) -> None:
        self.workspace = workspace
        self.on_batch = on_batch
        self.on_scored = on_scored
        self.answer_first = answer_first
        self.refs = {ref.name: ref for ref in refs}
        self.options = options
        self.routes: dict[str, Route] = {}
        self._targets: dict[str, Target] = {}
        self._loaded: dict[tuple[str, int], Batcher] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        """Resolve and load every model (at start-up; raises if one cannot be served)."""
        for name in self.refs:
            self._apply(name, self._target(self.refs[name]))

    def refresh(self) -> list[str]:
        """Re-resolve every model; swap in what changed. Returns the names that changed."""
        changed = []
        for name, ref in self.refs.items():
            try:
                target = self._target(ref)
                if target != self._targets.get(name):
                    self._apply(name, target)
                    changed.append(name)
            except Exception:
                log.exception(
                    "tendml: refreshing model %s failed; it keeps serving its current versions", name
                )
        return changed

    def route(self, name: str) -> Route:
        found = self.routes.get(name)
        if found is None:
            raise NotFound(
                f"model {name!r} is not served here",
                field="model",
                hint=f"served models: {', '.join(self.routes) or 'none'}",
            )
        return found

    def close(self) -> None:
        for batcher in self._loaded.values():
            batcher.close()

    def _target(self, ref: ModelRef) -> Target:
        registry = self.workspace.registry
        if ref.version is not None:
            return Target(
                TrafficPolicy(ref.name), ("pinned", registry.get_version(ref.name, ref.version)), None
            )
        if ref.alias is not None:
            return Target(TrafficPolicy(ref.name), (ref.alias, registry.resolve(ref)), None)
        policy = self.workspace.traffic.get(ref.name)
        try:
            primary = ("champion", registry.resolve(ModelRef(ref.name, alias=policy.champion_alias)))
        except NotFound:
            primary = ("latest", registry.resolve(ModelRef(ref.name)))
        challenger = None
        if policy.mode is not TrafficMode.CHAMPION:
            try:
                version = registry.resolve(ModelRef(ref.name, alias=policy.challenger_alias))
                challenger = ("challenger", version) if version.version != primary[1].version else None
            except NotFound:
                challenger = None
        return Target(policy, primary, challenger)

    def _apply(self, name: str, target: Target) -> None:
        primary = Arm(target.primary[0], target.primary[1], self._batcher(target.primary[1]))
        challenger = None
        if target.challenger is not None:
            challenger = Arm(target.challenger[0], target.challenger[1], self._batcher(target.challenger[1]))
        self.routes[name] = Route(self.refs[name], target.policy, primary, challenger)
        self._targets[name] = target
        self._evict(name)
        log.info(
            "tendml: %s serves %s",
            name,
            ", ".join(f"{a.name} v{a.version.version}" for a in self.routes[name].arms()),
        )

    def _batcher(self, version: ModelVersion) -> Batcher:
        key = (version.model, version.version)
        with self._lock:
            found = self._loaded.get(key)
        if found is not None:
            return found
        loaded = self.workspace.registry.load_model(version)
        scorer = Scorer(loaded, version)
        try:
            scorer.warm(*warm_sample(loaded.signature))
        except Exception:  # noqa: BLE001 - a synthetic row some models reject; the load itself succeeded
            log.warning(
                "tendml: warm-up of %s v%s with a synthetic row failed", version.model, version.version
            )
        observe = self.on_batch
        batcher = Batcher(
            scorer,
            max_batch_rows=self.options.max_batch_rows,
            max_wait_us=self.options.max_wait_us,
            on_batch=(lambda rows: observe(version, rows)) if observe else None,
            on_scored=self.on_scored,
            answer_first=self.answer_first,
            model_threads=self.options.model_threads,
            inline_us=self.options.inline_us,
        )
        with self._lock:
            self._loaded[key] = batcher
        return batcher

    def _evict(self, name: str) -> None:
        serving = {(name, a.version.version) for a in self.routes[name].arms()}
        with self._lock:
            idle = [k for k in self._loaded if k[0] == name and k not in serving]
            for key in idle[:-_KEEP_IDLE] if len(idle) > _KEEP_IDLE else []:
                self._loaded.pop(key).close()


_ZERO = {
    "double": np.float64,
    "float": np.float32,
    "long": np.int64,
    "integer": np.int32,
    "boolean": np.bool_,
}


def warm_sample(signature: Signature) -> tuple[dict[str, np.ndarray] | None, np.ndarray | None]:
    """One synthetic row matching the signature (zeros, empty strings), for warming a model up."""
    inputs = signature.inputs
    if inputs.kind is IOKind.TENSOR and inputs.tensor is not None:
        shape = tuple(1 if d < 0 else d for d in inputs.tensor.shape)
        return None, np.zeros(shape, dtype=inputs.tensor.dtype)
    columns: dict[str, np.ndarray] = {}
    for column in inputs.columns:
        if column.type in _ZERO:
            columns[column.name] = np.zeros(1, dtype=_ZERO[column.type])
        elif column.type == "datetime":
            columns[column.name] = np.zeros(1, dtype="datetime64[us]")
        else:
            columns[column.name] = np.array(["" if column.type == "string" else b""], dtype=object)
    return columns, None
