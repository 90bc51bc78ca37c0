"""Campaigns and automation flows.

- `planner` (pure): audience rows in, outbox rows and skip reasons out; with `quiet` (send
  window in the recipient's zones), `throttle` (spacing, daily budget, ETA), `templates`
  (personalisation, brand and opt-out footer) and `schedule` (once / cron, waits).
- `service` / `flow_service`: what the REST API and the admin page call.
- `runner` / `expansion` / `control` / `flow_engine`: database work in transactions.
- `scheduler`: the APScheduler 3.x adapter; jobs are rebuilt from the database, which is
  the source of truth. `wiring.start_automation` plugs it all into the bridge.
"""
