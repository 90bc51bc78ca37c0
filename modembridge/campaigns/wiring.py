"""Wiring campaigns and flows into the running bridge (called from app.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from modembridge.campaigns.flow_service import FlowService
from modembridge.campaigns.scheduler import AutomationScheduler
from modembridge.campaigns.service import CampaignService
from modembridge.campaigns.settings import AutomationSettings
from modembridge.config import Config
from modembridge.services import Services
from modembridge.store.db import Database


@dataclass
class Automation:
    """The campaign and flow services and the scheduler that drives them."""

    campaigns: CampaignService
    flows: FlowService
    scheduler: AutomationScheduler

    def stop(self) -> None:
        """Stop the scheduler (before the store closes)."""
        self.scheduler.stop()


def start_automation(
    config: Config,
    db: Database,
    services: Services,
    *,
    wake: Callable[[], None],
    clock: Callable[[], datetime],
) -> Automation:
    """Build the services, attach them to `services` (the web reads them there), rebuild
    the scheduler's jobs from the database and start it."""
    settings = replace(
        AutomationSettings.from_config(config), max_parts=services.settings.max_parts
    )
    campaigns = CampaignService(db, settings, clock=clock, wake=wake)
    flows = FlowService(db, settings, clock=clock, wake=wake)
    services.campaigns = campaigns
    services.flows = flows
    scheduler = AutomationScheduler(campaigns, flows, tick_seconds=settings.tick_seconds)
    scheduler.start()
    return Automation(campaigns, flows, scheduler)
