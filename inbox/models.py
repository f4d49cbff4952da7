"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from inbox.accounts.models import LoginThrottle, Membership, RecoveryCode, User, UserSession  # noqa: F401
from inbox.audit import guard  # noqa: F401  (audit entries are append-only)
from inbox.audit.models import AuditEvent  # noqa: F401
from inbox.channels.models import Channel, RawEvent  # noqa: F401
from inbox.conversations import urgency  # noqa: F401  (keeps the urgency sort key before every flush)
from inbox.conversations.models import Contact, Conversation, ConversationRead, Message, Note  # noqa: F401
from inbox.core.ratelimit import RateLimit  # noqa: F401
from inbox.forwarding.models import Forward, ForwardEntry, ForwardFile, ForwardLinkUse  # noqa: F401
from inbox.live.models import LiveEvent  # noqa: F401
from inbox.notifications.models import Notification  # noqa: F401
from inbox.orgs.models import Department, Organization, Team  # noqa: F401
from inbox.reports.models import (  # noqa: F401
    ConversationFact,
    HourlyRollup,
    ReportMailing,
    ReportSettings,
    ReportState,
    ReportSubscription,
    TermCount,
)
from inbox.rota.models import (  # noqa: F401
    Absence,
    EditorProfile,
    HoursOverride,
    Rota,
    RotaAssignment,
    RotaRun,
    ShiftTemplateRow,
    TeamHours,
    Wish,
)
from inbox.routing.models import Acknowledgement, Alert, SweepMark  # noqa: F401
from inbox.sla.models import ConversationSLA  # noqa: F401
