"""Everything that runs on a clock, in one pass: shift ends, the queue, SLAs, forward reminders, mail replies,
replies whose delivery overran its deadline, removing rate-limit counts whose window is over, the report rollups
and the weekly report mails.

RQ runs it as `routing.tasks.periodic_sweep`; the demo runs it from a thread. Every part is idempotent.
"""

from __future__ import annotations

import logging

from inbox.core import mailer

log = logging.getLogger(__name__)


def run_all() -> dict[str, int]:
    from inbox.channels.tasks import requeue_stale
    from inbox.conversations.recovery import check_overdue
    from inbox.core import ratelimit
    from inbox.forwarding.replies import fetch
    from inbox.forwarding.sweep import sweep as forwarding_sweep
    from inbox.live.operations import prune as prune_live_events
    from inbox.reports import rollup, weekly
    from inbox.routing import sweep as routing_sweep

    totals = routing_sweep.run()
    totals.update(forwarding_sweep())
    totals["raw_events_requeued"] = requeue_stale()
    totals.update(check_overdue())
    totals["rate_limits_purged"] = ratelimit.purge()
    totals.update(rollup.run())
    totals["weekly_reports_sent"] = weekly.send_due()
    totals["live_events_pruned"] = prune_live_events()
    if mailer.settings().get("imap_host"):
        totals.update({f"replies_{k}": v for k, v in fetch().items()})
    return totals
