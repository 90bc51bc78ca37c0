"""Settings of campaigns and flows, taken from the bridge's config."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from modembridge.campaigns.planner import PlannerSettings
from modembridge.campaigns.quiet import SendWindow, region_zones
from modembridge.campaigns.throttle import ThrottleLimits
from modembridge.config import Config


@dataclass(frozen=True)
class AutomationSettings:
    """Compliance rules, modem capacity and scheduler tuning for campaigns and flows."""

    brand: str = "Acme"
    default_region: str = "US"
    window: SendWindow = field(default_factory=SendWindow)
    marketing_per_day: int = 3
    max_parts: int = 10
    # (parts_per_minute, parts_per_day) of every modem.
    modems: tuple[tuple[int, int], ...] = ((6, 400),)
    share_percent: int = 80
    grace: timedelta = timedelta(hours=1)
    batch_size: int = 500
    tick_seconds: float = 2.0

    @classmethod
    def from_config(cls, config: Config) -> AutomationSettings:
        """The settings of a running bridge."""
        compliance = config.compliance
        return cls(
            brand=compliance.brand,
            default_region=compliance.default_region,
            window=SendWindow(
                compliance.send_window_start_minute, compliance.send_window_end_minute
            ),
            marketing_per_day=compliance.marketing_per_day,
            modems=tuple((m.parts_per_minute, m.parts_per_day) for m in config.modems),
            share_percent=config.campaigns.share_percent,
            grace=timedelta(seconds=config.campaigns.misfire_grace_seconds),
        )

    def planner(self) -> PlannerSettings:
        """What the pure planner needs."""
        return PlannerSettings(
            brand=self.brand,
            window=self.window,
            marketing_per_day=self.marketing_per_day,
            default_region=self.default_region,
            fallback_zones=region_zones(self.default_region),
            max_parts=self.max_parts,
        )

    def limits(self) -> ThrottleLimits:
        """The share of the modems' capacity one campaign run may plan."""
        return ThrottleLimits.from_modems(
            self.modems, self.share_percent, self.window, region_zones(self.default_region)
        )
