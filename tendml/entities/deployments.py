"""Traffic policies: how a served model splits requests between its champion and challenger."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from tendml.core.errors import ValidationFailed
from tendml.entities._record import Record


class TrafficMode(enum.StrEnum):
    """``champion``: every request to the champion. ``canary``: a share of requests to the challenger.
    ``shadow``: the champion answers; the challenger also scores every request, off the response path."""

    CHAMPION = "champion"
    CANARY = "canary"
    SHADOW = "shadow"


@dataclass(frozen=True, slots=True)
class TrafficPolicy(Record):
    """The deployment of a registered model: which aliases serve and how traffic is split.

    ``share`` is the fraction of requests (0 < share < 1) the challenger answers in canary mode;
    requests that carry a key (or whose ``key_column`` holds one) always go to the same arm.

    >>> TrafficPolicy("churn", TrafficMode.CANARY, share=0.1).check().share
    0.1
    """

    model: str
    mode: TrafficMode = TrafficMode.CHAMPION
    share: float = 0.0
    key_column: str | None = None
    champion_alias: str = "champion"
    challenger_alias: str = "challenger"
    updated_at: datetime | None = None
    updated_by: str | None = None

    def check(self) -> TrafficPolicy:
        """Return self, or raise ValidationFailed naming the inconsistent field."""
        if not 0.0 <= self.share <= 1.0:
            raise ValidationFailed(
                f"share {self.share} is outside [0, 1]",
                field="share",
                hint="give the challenger's fraction of traffic, e.g. 0.1",
            )
        if self.mode is TrafficMode.CANARY and not 0.0 < self.share < 1.0:
            raise ValidationFailed(
                "a canary needs 0 < share < 1",
                field="share",
                hint="e.g. share=0.1 sends 10 % of requests to the challenger",
            )
        if self.mode is not TrafficMode.CANARY and self.share:
            raise ValidationFailed(f"share applies to canary mode only, not {self.mode.value}", field="share")
        if self.champion_alias == self.challenger_alias:
            raise ValidationFailed("champion and challenger aliases must differ", field="challenger_alias")
        return self
