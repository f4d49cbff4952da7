"""Forwards to departments, their thread, their files and the single-use links sent by e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.accounts.models import User
from inbox.core.models import OrgScoped, Timestamped
from inbox.core.types import UTCDateTime
from inbox.extensions import db
from inbox.orgs.models import Department

STATES = ("open", "clarification", "answered", "declined", "overdue", "closed")
# While a forward is in one of these, the department owes an answer and the conversation waits.
ACTIVE = ("open", "clarification", "overdue")
# How the sender of an answer by e-mail was found to be genuine (inbox/core/mailauth.py).
MAIL_CHECK_LABELS = {"dkim": "DKIM", "dmarc": "DMARC", "spf": "SPF"}
STATE_LABELS = {"open": "offen", "clarification": "Rückfrage", "answered": "beantwortet",
                "declined": "abgelehnt", "overdue": "überfällig", "closed": "abgeschlossen"}


class Forward(OrgScoped, Timestamped, db.Model):
    __table_args__ = (Index("ix_forward_org_state", "organization_id", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    # What went along besides the question, frozen at sending: the portal never reads the conversation.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    mail_message_id: Mapped[str] = mapped_column(String(255), default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the department stopped owing an answer (answered, declined or closed): ends the waiting time.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    suggested_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))

    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    suggested_department: Mapped[Department | None] = relationship(foreign_keys=[suggested_department_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    entries: Mapped[list[ForwardEntry]] = relationship(order_by="ForwardEntry.id", back_populates="forward")
    files: Mapped[list[ForwardFile]] = relationship(order_by="ForwardFile.id")

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE

    @property
    def counted_entries(self) -> list[ForwardEntry]:
        """The thread as the editor sees it: answers by e-mail still held or discarded are not part of it."""
        return [e for e in self.entries if e.kind not in UNCONFIRMED]

    @property
    def held_entries(self) -> list[ForwardEntry]:
        return [e for e in self.entries if e.kind == "held"]


# An answer by e-mail whose sender could not be checked is "held" until a press officer of the
# department confirms it in the portal (then it becomes an "answer") or discards it ("discarded").
UNCONFIRMED = ("held", "discarded")


class ForwardEntry(OrgScoped, Timestamped, db.Model):
    """One step of the thread: answer, question back, the editor's reply to it, decline, hand-over.

    Also an answer by e-mail that waits for confirmation (held) or was discarded; see UNCONFIRMED.
    """

    __table_args__ = (UniqueConstraint("organization_id", "mail_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forward_id: Mapped[int] = mapped_column(ForeignKey("forward.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Who wrote it when there is no account behind it (a reply by e-mail, a single-use link).
    author_label: Mapped[str] = mapped_column(String(254), default="")
    via: Mapped[str] = mapped_column(String(8), default="portal")
    text: Mapped[str] = mapped_column(Text, default="")
    # The Message-ID of a reply by e-mail, so reading the mailbox twice stores it once.
    mail_message_id: Mapped[str | None] = mapped_column(String(255))
    # An answer by e-mail taken at once: which check of our receiving server vouched for the sender.
    mail_check: Mapped[str] = mapped_column(String(8), default="")
    # The press officer who confirmed or discarded a held answer by e-mail, and when.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    forward: Mapped[Forward] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def mail_check_label(self) -> str:
        return MAIL_CHECK_LABELS.get(self.mail_check, self.mail_check)


class ForwardFile(OrgScoped, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    forward_id: Mapped[int] = mapped_column(ForeignKey("forward.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # A random name inside the data folder; the uploaded name is never used as a path.
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)


class ForwardLinkUse(OrgScoped, db.Model):
    """A used single-use link: its nonce may never open anything again."""

    id: Mapped[int] = mapped_column(primary_key=True)
    forward_id: Mapped[int] = mapped_column(ForeignKey("forward.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
