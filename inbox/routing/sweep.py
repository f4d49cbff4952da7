"""The periodic sweep: shift ends (handover), the queue at shift starts, coverage alerts, SLA checks.

It is safe to run at any moment and in parallel: shift ends are claimed with a SweepMark row,
assignments with a conditional UPDATE, alerts with a unique key.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import select

from inbox.core import clock
from inbox.extensions import db
from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.routing import operations
from inbox.routing.state import TeamState
from inbox.sla import sweep as sla_sweep

log = logging.getLogger(__name__)


def routing_settings() -> dict:
    return current_app.config["SETTINGS"].get("routing", {})


def run() -> dict[str, int]:
    """One pass over every team of the installation."""
    totals = {"handed_over": 0, "assigned": 0}
    now = clock.now()
    for team in db.session.scalars(select(Team).order_by(Team.id)).all():
        state = TeamState.for_decision(team, now)
        totals["handed_over"] += shift_ends(state)
        if state.is_open and not state.on_shift:
            operations.alert_gap(state)
        totals["assigned"] += operations.assign_queue(state)
    totals.update(sla_sweep.run())
    return totals


def shift_ends(state: TeamState) -> int:
    lookback = timedelta(hours=float(routing_settings().get("handover_lookback_hours", 24)))
    count = 0
    for assignment, end in adapter.shift_ends(state.rota, state.now - lookback, state.now):
        editor = assignment.editor_id
        if editor in state.on_shift:
            continue  # straight into another shift: nothing to hand over
        key = f"end:{state.team.id}:{assignment.date.isoformat()}:{assignment.template}:{editor}"
        if operations.mark(state.team.organization_id, key):
            name = state.rota.templates[assignment.template].name
            count += operations.hand_over(state, editor, f"{name} bis {end.astimezone(clock.zone()):%H:%M}")
    return count


def start_demo_thread(app: Flask, interval: float | None = None) -> threading.Thread:
    """Without Redis (demo), a daemon thread runs the sweep every 30 s."""
    seconds = interval or float(app.config["SETTINGS"].get("routing", {}).get("sweep_seconds", 30))

    def loop():
        stop = threading.Event()
        while not stop.wait(seconds):
            with app.app_context():
                try:
                    from inbox.jobs import run_ready
                    from inbox.periodic import run_all

                    run_all()
                    db.session.commit()
                    run_ready()  # without Redis the jobs the pass queued (replies to check, events) run here
                except Exception:
                    db.session.rollback()
                    log.exception("routing sweep failed")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="mitreden-routing-sweep", daemon=True)
    thread.start()
    return thread
