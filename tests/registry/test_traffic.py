"""Traffic policies on both metadata backends."""

from __future__ import annotations

import pytest

from tendml.core.errors import NotFound, ValidationFailed
from tendml.entities import TrafficMode, TrafficPolicy


def test_default_policy_serves_the_champion(ws) -> None:  # type: ignore[no-untyped-def]
    ws.registry.create_model("churn")
    assert ws.traffic.get("churn") == TrafficPolicy("churn")
    with pytest.raises(NotFound):
        ws.traffic.get("nope")


def test_set_policy_is_stored_and_audited(ws) -> None:  # type: ignore[no-untyped-def]
    ws.registry.create_model("churn")
    policy = ws.traffic.set("churn", "canary", share=0.2, key_column="customer_id")
    assert (policy.mode, policy.share, policy.key_column, policy.updated_by) == (
        TrafficMode.CANARY,
        0.2,
        "customer_id",
        "tester",
    )
    assert ws.traffic.get("churn") == policy
    ws.traffic.set("churn", "shadow")
    assert ws.traffic.get("churn").mode is TrafficMode.SHADOW
    with ws.store.read() as uow:
        events = uow.audit.events(action_prefix="deployment.")
    assert [(e.before or {}).get("mode") for e in events] == [None, "canary"]
    assert [e.after["mode"] for e in events] == ["canary", "shadow"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mode": "blue-green"}, "mode"),
        ({"mode": "canary", "share": 0.0}, "share"),
        ({"mode": "canary", "share": 1.5}, "share"),
        ({"mode": "shadow", "share": 0.5}, "share"),
        ({"mode": "shadow", "challenger_alias": "champion"}, "challenger_alias"),
        ({"mode": "canary", "share": 0.1, "champion_alias": "latest"}, "champion_alias"),
    ],
)
def test_invalid_policies_name_the_field(ws, kwargs: dict[str, object], field: str) -> None:  # type: ignore[no-untyped-def]
    ws.registry.create_model("churn")
    with pytest.raises(ValidationFailed) as err:
        ws.traffic.set("churn", **kwargs)
    assert err.value.field == field
