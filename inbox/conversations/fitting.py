"""What a platform sends, made fit for the columns it is stored in: once, here, for every channel.

Adapters pass platform values through as they come. A NUL or a lone surrogate in a text, a
handle longer than its column: on PostgreSQL each made storing the message fail, and the raw
event failed after five attempts. `ingest` and `apply_status` take every value through here.
Free text is cleaned and cut to its column's length; identifiers (message, contact and thread
ids) are replaced by a stable digest form instead (see safetext.fit_id), so two different long
ids stay two messages and a platform's retry still finds the first.
"""

from __future__ import annotations

import dataclasses
import logging

from inbox.channels.adapters.base import DeliveryStatus, InboundMessage
from inbox.conversations.models import Contact, Conversation, Message
from inbox.core.safetext import clean, clean_deep, column_length, fit, fit_id, is_odd

log = logging.getLogger(__name__)
IDS = {"external_id": Message.external_id, "parent_external_id": Message.parent_external_id,
       "author_id": Contact.external_id, "thread_key": Conversation.thread_key}
NAMES = {"author_handle": Contact.handle, "author_name": Contact.name, "subject": Conversation.subject}
TEXTS = ("text", "html")


def stored_id(external_id: str) -> str:
    """A message's external id as it is stored: lookups by a platform's id go through here too."""
    return fit_id(external_id, Message.external_id)


def fitted_message(inbound: InboundMessage) -> InboundMessage:
    """inbound with every value as its column can hold it (the same object when nothing had to change)."""
    changes = {name: fit_id(getattr(inbound, name), column) for name, column in IDS.items()}
    changes.update({name: fit(getattr(inbound, name), column) for name, column in NAMES.items()})
    changes.update({name: clean(getattr(inbound, name)) for name in TEXTS})
    changes["author_email"] = _email(inbound.author_email)
    changes = {name: value for name, value in changes.items() if value != getattr(inbound, name)}
    attachments = clean_deep(inbound.attachments)
    if attachments != inbound.attachments:
        changes["attachments"] = attachments
    if not changes:
        return inbound
    log.info("inbound message %.80r: %s adjusted to be stored (odd characters or too long)",
             changes.get("external_id", inbound.external_id), ", ".join(sorted(changes)))
    return dataclasses.replace(inbound, **changes)


def fitted_status(status: DeliveryStatus) -> DeliveryStatus:
    return dataclasses.replace(status, external_id=stored_id(status.external_id),
                               state=fit(status.state, Message.delivery_state), error=clean(status.error))


def _email(address: str) -> str:
    """An address with odd characters or too long for any mailbox is no address: cut, it would reach someone else."""
    limit = column_length(Contact.email)
    if is_odd(address) or (limit is not None and len(address) > limit):
        return ""
    return address
