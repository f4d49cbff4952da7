"""The audit trail is append-only through the application: rows are added, never changed or deleted.

Three doors are closed: a changed or deleted AuditEvent in a flush, and UPDATE/DELETE statements on the
table run through the session (`db.session.execute(update(AuditEvent)...)`). Raw SQL and the
database's own ON DELETE rules (an organization or conversation removed as a whole) are outside the
application's reach and not guarded here.

Retention (issue 20, item 1) has to anonymise entries later: audit entries keep who and what, not the
citizen's content. That is the one permitted change, and it goes through `scrubbing()`: inside it, the
`detail` column of the rows it names may be rewritten, nothing else, and deletes stay refused.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from inbox.audit.models import AuditEvent

# Columns a scrub may rewrite: the free-form detail holds any citizen content an event carries.
SCRUBBABLE = frozenset({"detail"})
_KEY = "audit_scrub_ids"


class AuditAppendOnly(RuntimeError):
    """Someone tried to change or delete an audit entry."""


@contextmanager
def scrubbing(session: Session, events: list[AuditEvent]):
    """Allow rewriting the `detail` of exactly these (persisted) events until the block ends."""
    allowed = session.info.setdefault(_KEY, set())
    ids = {e.id for e in events}
    allowed |= ids
    try:
        yield
        session.flush()
    finally:
        allowed -= ids


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context, _instances) -> None:
    allowed = session.info.get(_KEY, set())
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditAppendOnly(f"audit entry {obj.id} cannot be deleted: the audit trail is append-only")
    for obj in session.dirty:
        if not isinstance(obj, AuditEvent):
            continue
        changed = _changed_columns(obj)
        if not changed:
            continue
        if obj.id in allowed and changed <= SCRUBBABLE:
            continue
        raise AuditAppendOnly(f"audit entry {obj.id} cannot be changed ({', '.join(sorted(changed))}): "
                              "the audit trail is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    # ORM statements (update(AuditEvent)) and Core ones on the table (delete(AuditEvent.__table__)) alike.
    # (The ORM's statement holds an annotated copy of the table, so it is compared by name.)
    if getattr(getattr(state.statement, "table", None), "name", None) == AuditEvent.__tablename__:
        raise AuditAppendOnly("audit entries cannot be updated or deleted in bulk: the audit trail is append-only")
