"""The interface every channel adapter implements, and the normalized shapes it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class SignatureError(Exception):
    """The request is not authentic (bad or missing signature, wrong verify token)."""


class PayloadError(Exception):
    """The body cannot be understood; it is stored as a failed raw event."""


class DeliveryError(Exception):
    """Sending failed. permanent=True stops retries (expired token, 4xx); retry_after in seconds.

    uncertain=True: the request went out but no answer came back (read timeout, dropped connection),
    so the platform may have posted the reply; it is looked up, not blindly sent again.
    """

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 uncertain: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.uncertain = uncertain


class CannotTell(Exception):
    """The platform offers no way to find out whether a reply we sent has arrived."""


@dataclass
class InboundMessage:
    """One citizen message or comment, independent of the platform it came from."""

    external_id: str
    text: str
    author_id: str
    author_handle: str = ""
    author_name: str = ""
    author_email: str = ""
    # Messages with the same thread key on a channel belong to one conversation (DM thread, post, mail thread).
    thread_key: str = ""
    parent_external_id: str = ""
    subject: str = ""
    html: str = ""
    attachments: list[dict] = field(default_factory=list)
    is_public: bool = False
    sent_at: datetime | None = None
    # "message", or "edit"/"delete" of an earlier external_id.
    event: str = "message"


@dataclass
class DeliveryStatus:
    """A platform's word on a reply we sent (WhatsApp statuses, for example)."""

    external_id: str
    state: str
    error: str = ""


@dataclass
class ParseResult:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatus] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.messages and not self.statuses


@dataclass
class OutboundReply:
    """What an adapter needs to send a reply in the right thread."""

    text: str
    recipient_id: str
    recipient_handle: str = ""
    recipient_email: str = ""
    thread_key: str = ""
    in_reply_to: str = ""
    subject: str = ""
    is_public: bool = False
    message_id: int = 0
    extra: dict = field(default_factory=dict)


class ChannelAdapter:
    """Base class; subclasses override what their platform needs."""

    kind = ""
    label = ""
    # Platforms that only offer an API to ask (no webhook) are polled.
    polls = False

    def handshake(self, channel, request):
        """Answer a GET verification (Meta hub.challenge, X CRC); None means not supported."""
        return None

    def verify(self, channel, request, body: bytes) -> None:
        raise SignatureError("this channel accepts no webhooks")

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        raise PayloadError("this channel cannot parse events")

    def poll(self, channel, cursor: dict) -> tuple[list[bytes], dict]:
        """Fetch new items since cursor; returns raw item bodies and the new cursor."""
        return [], cursor

    def send(self, channel, reply: OutboundReply) -> str:
        """Send reply; returns the platform's id for it. Raises DeliveryError."""
        raise DeliveryError(f"{self.label or self.kind}: Antworten über diesen Kanal sind nicht möglich",
                            permanent=True)

    def find_delivered(self, channel, reply: OutboundReply) -> str | None:
        """After a send whose outcome we never learned: the platform's id of the reply if it arrived, None if
        it certainly did not (then it is sent again, with the same idempotency key). Raises CannotTell where
        the platform does not let us look, DeliveryError when looking failed."""
        raise CannotTell(f"{self.label or self.kind} lässt nicht nachsehen, ob eine Antwort angekommen ist")

    def test_connection(self, channel) -> str:
        return "Keine Verbindung nötig"
