"""The customer-service window of private messages on Meta's platforms: WhatsApp, Messenger, Instagram.

A business may answer a private message freely for 24 hours after the citizen's last message.
After that, WhatsApp allows only an approved template; Messenger and Instagram allow a reply by
a person for up to 7 days with the HUMAN_AGENT tag, where Meta granted the app that permission,
and nothing after. The window runs from when the citizen wrote (the platform's timestamp), not
from when the webhook reached us: a late or re-processed webhook must not open it again.

Adapters enforce the window when sending (the rule holds whatever the page showed); the
conversation page shows it and refuses a reply before anything is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.core import clock

STANDARD = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)
PLATFORMS = {"whatsapp": "WhatsApp", "facebook": "Messenger", "instagram": "Instagram"}
OPEN, TAGGED, CLOSED = "open", "human_agent", "closed"
# The Send API fields of a Messenger / Instagram reply by a person after the 24 hours.
HUMAN_AGENT_FIELDS = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}


@dataclass(frozen=True)
class Window:
    """Where a private conversation stands: free replies (open), only tagged ones, or none (closed)."""

    kind: str
    state: str
    # When the citizen last wrote, and until when the current state lasts (None when closed).
    since: datetime | None
    until: datetime | None
    human_agent: bool

    @property
    def platform(self) -> str:
        return PLATFORMS[self.kind]

    @property
    def free_text(self) -> bool:
        return self.state != CLOSED

    @property
    def tagged(self) -> bool:
        return self.state == TAGGED

    @property
    def refusal(self) -> str:
        """Why a free reply cannot go out now (German, for the editor)."""
        if self.since is None:
            return f"{self.platform}: Die Person hat noch nicht geschrieben; eine Antwort ist nicht möglich."
        if self.kind == "whatsapp":
            return (f"{self.platform}: Das 24-Stunden-Fenster ist geschlossen – die letzte Nachricht der Person ist "
                    "älter als 24 Stunden. Es kann nur eine freigegebene Vorlage gesendet werden.")
        if self.human_agent:
            return (f"{self.platform}: Die letzte Nachricht der Person ist älter als 7 Tage. Auch mit dem Tag "
                    "HUMAN_AGENT ist keine Antwort mehr möglich; die Person muss erst wieder schreiben.")
        return (f"{self.platform}: Das 24-Stunden-Fenster ist geschlossen – die letzte Nachricht der Person ist "
                "älter als 24 Stunden. Ohne die Berechtigung „Human Agent“ ist keine Antwort mehr möglich; die "
                "Person muss erst wieder schreiben.")


def applies(kind: str, thread_key: str) -> bool:
    """WhatsApp is private throughout; on Facebook and Instagram only direct messages are (not comments)."""
    if kind == "whatsapp":
        return True
    return kind in PLATFORMS and not (thread_key or "").startswith("post:")


def human_agent_granted(channel) -> bool:
    """The admin says Meta granted the app the Human Agent permission (Messenger and Instagram only)."""
    return channel.kind in ("facebook", "instagram") and (channel.settings or {}).get("human_agent") == "yes"


def window_for(channel, thread_key: str, last_wrote: datetime | None, now: datetime | None = None) -> Window | None:
    """The window of a conversation on channel whose citizen last wrote at last_wrote; None if no window applies."""
    if not applies(channel.kind, thread_key):
        return None
    now = now or clock.now()
    tag = human_agent_granted(channel)
    if last_wrote is not None and now < last_wrote + STANDARD:
        return Window(channel.kind, OPEN, last_wrote, last_wrote + STANDARD, tag)
    if last_wrote is not None and tag and now < last_wrote + HUMAN_AGENT:
        return Window(channel.kind, TAGGED, last_wrote, last_wrote + HUMAN_AGENT, tag)
    return Window(channel.kind, CLOSED, last_wrote, None, tag)
