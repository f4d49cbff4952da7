"""What a row of the inbox shows besides the conversation's own columns: the channel's mark and the SLA timer.

The preview, public/private and the urgency order are stored on the conversation (operations.show_in_list,
urgency.py); the timer's words come from inbox/sla/timer.py.
"""

from __future__ import annotations

from inbox.core import clock

# Short marks for the channel icon; the channel's name stands beside it in words.
CHANNEL_MARKS = {"facebook": "f", "messenger": "m", "instagram": "IG", "x": "X", "mastodon": "M", "bluesky": "BS",
                 "threads": "@", "youtube": "YT", "whatsapp": "WA", "email": "✉", "webform": "WF"}


def row_timer(sla):
    """The SLA timer of a row from its SLA row ("fällig in 12 Min.", "überfällig seit 5 Min."), or None."""
    from inbox.sla.operations import warn_delta  # the sla domain depends on conversations, not the reverse
    from inbox.sla.timer import timer

    return timer(sla, clock.now(), warn_delta())
