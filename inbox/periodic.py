"""Everything that runs on a clock, in one pass: shift ends, the queue, SLAs, forward reminders, mail replies.

RQ runs it as `routing.tasks.periodic_sweep`; the demo runs it from a thread. Every part is idempotent.
"""

from __future__ import annotations

import logging

from inbox.core import mailer

log = logging.getLogger(__name__)


def run_all() -> dict[str, int]:
    from inbox.channels.tasks import requeue_stale
    from inbox.forwarding.replies import fetch
    from inbox.forwarding.sweep import sweep as forwarding_sweep
    from inbox.live.operations import prune as prune_live_events
    from inbox.routing import sweep as routing_sweep

    totals = routing_sweep.run()
    totals.update(forwarding_sweep())
    totals["raw_events_requeued"] = requeue_stale()
    totals["live_events_pruned"] = prune_live_events()
    if mailer.settings().get("imap_host"):
        totals.update({f"replies_{k}": v for k, v in fetch().items()})
    return totals
