"""Traffic policies of deployed models: champion only, canary or shadow. Changes are audited."""

from __future__ import annotations

from dataclasses import replace

from tendml.core.clock import utcnow
from tendml.core.errors import ValidationFailed
from tendml.entities.deployments import TrafficMode, TrafficPolicy
from tendml.registry.uri import check_alias
from tendml.store import MetadataStore


class Traffic:
    """Read and set how each model's requests are split between its champion and challenger."""

    def __init__(self, store: MetadataStore, actor: str) -> None:
        self.store = store
        self.actor = actor

    def get(self, name: str) -> TrafficPolicy:
        """The model's policy; a model never configured serves its champion only."""
        with self.store.read() as uow:
            uow.models.require_id(name)
            return uow.deployments.get(name) or TrafficPolicy(model=name)

    def set(
        self,
        name: str,
        mode: TrafficMode | str = TrafficMode.CHAMPION,
        *,
        share: float = 0.0,
        key_column: str | None = None,
        champion_alias: str = "champion",
        challenger_alias: str = "challenger",
    ) -> TrafficPolicy:
        """Replace the model's policy (servers pick it up within their refresh interval)."""
        try:
            kind = TrafficMode(mode)
        except ValueError:
            raise ValidationFailed(
                f"unknown traffic mode {mode!r}", field="mode", hint="use champion, canary or shadow"
            ) from None
        check_alias(champion_alias, field="champion_alias")
        check_alias(challenger_alias, field="challenger_alias")
        policy = TrafficPolicy(name, kind, float(share), key_column, champion_alias, challenger_alias).check()
        with self.store.write() as uow:
            model_id = uow.models.require_id(name, lock=True)
            before = uow.deployments.get(name)
            policy = replace(policy, updated_at=utcnow(), updated_by=self.actor)
            uow.deployments.put(model_id, policy)
            uow.audit.append(
                self.actor,
                "deployment.traffic.set",
                "model",
                name,
                before=_audit(before),
                after=_audit(policy),
            )
        return policy


def _audit(policy: TrafficPolicy | None) -> dict[str, object] | None:
    if policy is None:
        return None
    data = policy.to_dict()
    return {k: data[k] for k in ("mode", "share", "key_column", "champion_alias", "challenger_alias")}
