"""Routing jobs: one per arriving conversation, plus the periodic sweep that re-schedules itself."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import current_app

from inbox.conversations.hooks import on_received
from inbox.jobs import enqueue, task
from inbox.routing import operations

log = logging.getLogger(__name__)


@on_received
def _conversation_received(conversation_id: int) -> None:
    enqueue(route_conversation, conversation_id)


@task(retries=3, backoff=[5, 30, 120])
def route_conversation(conversation_id: int) -> None:
    outcome = operations.route(conversation_id)
    log.info("conversation %s routed: %s", conversation_id, outcome)


@task
def periodic_sweep() -> None:
    """Run the sweep, then schedule the next one (one scheduled sweep per queue, by job id)."""
    from inbox.periodic import run_all

    totals = run_all()
    log.info("routing sweep: %s", totals)
    if current_app.config.get("REDIS_URL"):
        schedule_next()


def schedule_next() -> str:
    """Put the next sweep on RQ's scheduler under an id named after its time slot.

    Every worker (and every restart) that schedules the next sweep computes the same slot and
    therefore the same job id, so extra workers add no copies.
    """
    from inbox import jobs

    seconds = float(current_app.config["SETTINGS"].get("routing", {}).get("sweep_seconds", 30))
    slot = int(datetime.now(UTC).timestamp() // seconds) + 1
    queue = jobs.get_queue()
    job_id = f"{queue.name}-routing-sweep-{slot}"
    queue.enqueue_at(datetime.fromtimestamp(slot * seconds, UTC), jobs.execute, periodic_sweep.job_name,
                     job_id=job_id)
    return job_id
