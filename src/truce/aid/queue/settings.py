"""What a queue simulation runs: demand, horizon, replications and the modelling choices.

Clock: minutes from 00:00 on day 0 (``DAY`` minutes a day), in the route's local wall-clock time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from truce.errors import BadInput

DAY = 1440.0  # minutes

OnReject = Literal["return", "leave"]
Distribution = Literal["gamma", "lognormal"]
Routing = Literal["shortest-delay"] | Mapping[str, float]


@dataclass(frozen=True)
class QueueSettings:
    """What to simulate: demand, horizon, replications and the modelling choices.

    Counts and rates are over the measured window, ``[warmup_days, days)``.
    """

    days: float = 30.0
    arrivals_per_day: float = 0.0  # Poisson arrivals at staging
    backlog: int = 0  # trucks waiting at staging at day 0
    warmup_days: float = 0.0
    replications: int = 20
    seed: int = 0
    on_reject: OnReject = "return"
    return_hours: float | None = None  # None: drive back the way it came
    default_cv: float = 1.0  # for nodes without service_cv
    distribution: Distribution = "gamma"
    routing: Routing = "shortest-delay"
    later_pass_first: bool = True  # at a node a path passes twice

    def check(self) -> None:
        """Raise BadInput when the settings cannot be simulated."""
        if not (self.days > 0 and math.isfinite(self.days)):
            raise BadInput(f"days must be a positive number, got {self.days!r}")
        if not 0 <= self.warmup_days < self.days:
            raise BadInput(
                f"warmup_days must be at least 0 and below days ({self.days:g}), "
                f"got {self.warmup_days!r}"
            )
        if not (self.arrivals_per_day >= 0 and math.isfinite(self.arrivals_per_day)):
            raise BadInput(f"arrivals_per_day must be 0 or more, got {self.arrivals_per_day!r}")
        if self.backlog < 0:
            raise BadInput(f"backlog must be 0 or more trucks, got {self.backlog!r}")
        if self.arrivals_per_day == 0 and self.backlog == 0:
            raise BadInput("no trucks to simulate: give arrivals_per_day or a backlog (or both)")
        if self.replications < 1:
            raise BadInput(f"replications must be at least 1, got {self.replications!r}")
        if self.on_reject not in ("return", "leave"):
            raise BadInput(f'on_reject must be "return" or "leave", got {self.on_reject!r}')
        if self.return_hours is not None and not self.return_hours >= 0:
            raise BadInput(f"return_hours must be 0 or more, got {self.return_hours!r}")
        if not self.default_cv >= 0:
            raise BadInput(f"default_cv must be 0 or more, got {self.default_cv!r}")
        if self.distribution not in ("gamma", "lognormal"):
            raise BadInput(
                f'distribution must be "gamma" or "lognormal", got {self.distribution!r}'
            )
        if isinstance(self.routing, str):
            if self.routing != "shortest-delay":
                raise BadInput(
                    f'routing must be "shortest-delay" or a mapping of path id to share, '
                    f"got {self.routing!r}"
                )
        elif any(not (w >= 0 and math.isfinite(w)) for w in self.routing.values()) or not any(
            w > 0 for w in self.routing.values()
        ):
            raise BadInput("routing shares must be 0 or more, and at least one above 0")
