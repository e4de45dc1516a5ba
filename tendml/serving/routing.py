"""Which version answers a request: champion only, a canary share (sticky by key), or shadow."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

from tendml.entities.deployments import TrafficMode, TrafficPolicy
from tendml.entities.models import ModelVersion
from tendml.registry import ModelRef
from tendml.serving.batching import Batcher


@dataclass(frozen=True, slots=True)
class Arm:
    """A loaded version and the name of the role it plays (champion, challenger, an alias, pinned)."""

    name: str
    version: ModelVersion
    batcher: Batcher


@dataclass(frozen=True, slots=True)
class Route:
    """How one served model splits its traffic right now. Replaced whole on every change, so a
    request that picked its arms keeps them until it finishes."""

    ref: ModelRef
    policy: TrafficPolicy
    primary: Arm
    challenger: Arm | None = None

    @property
    def name(self) -> str:
        return self.ref.name

    def choose(self, key: str | None) -> tuple[Arm, Arm | None]:
        """(the arm that answers, an arm that scores in shadow or None).

        >>> from types import SimpleNamespace as NS
        >>> champ, chall = NS(name="champion"), NS(name="challenger")
        >>> route = Route(ModelRef("m"), TrafficPolicy("m", TrafficMode.CANARY, share=0.5), champ, chall)
        >>> {route.choose("user-7")[0].name for _ in range(20)} == {route.choose("user-7")[0].name}
        True
        """
        challenger = self.challenger
        if challenger is None or self.policy.mode is TrafficMode.CHAMPION:
            return self.primary, None
        if self.policy.mode is TrafficMode.SHADOW:
            return self.primary, challenger
        draw = _stable_fraction(key) if key is not None else random.random()
        return (challenger if draw < self.policy.share else self.primary), None

    def arms(self) -> list[Arm]:
        return [self.primary] + ([self.challenger] if self.challenger else [])

    def arm_for_version(self, version: int) -> Arm | None:
        """The loaded arm serving ``version``, if any."""
        return next((a for a in self.arms() if a.version.version == version), None)


def _stable_fraction(key: str) -> float:
    """The same key always lands at the same point of [0, 1)."""
    return zlib.crc32(key.encode()) / 2**32
