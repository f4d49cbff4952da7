"""The audit trail as a page for admins, filtered by user, object, action and date, and as a CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, render_template, request, stream_with_context

from inbox.accounts.access import require_role
from inbox.audit import queries
from inbox.audit.queries import AuditFilter
from inbox.core import clock
from inbox.core.web import local_time

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
# A spreadsheet runs a cell starting with one of these as a formula; detail can carry citizen text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class BadFilter(ValueError):
    pass


def _zone() -> ZoneInfo:
    return clock.zone()


def _int(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadFilter(f"„{value}“ ist keine gültige Nummer.")
    return int(value)


def _date(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadFilter(f"„{value}“ ist kein gültiges Datum (JJJJ-MM-TT).") from exc


def _filter() -> AuditFilter:
    f = AuditFilter(actor_id=_int("actor"), object_type=request.args.get("object_type", "").strip()[:32],
                    object_id=_int("object_id"), action=request.args.get("action", "").strip()[:64],
                    date_from=_date("from"), date_to=_date("to"))
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise BadFilter("Das Von-Datum liegt nach dem Bis-Datum.")
    return f


@bp.get("/")
@require_role("admin")
def index():
    number = max(1, request.args.get("page", 1, type=int) or 1)
    try:
        f = _filter()
    except BadFilter as exc:
        return render_template("audit/index.html", events=[], has_next=False, page=1, f=AuditFilter(),
                               error=str(exc), **queries.choices(g.org_id)), 400
    size = current_app.config["SETTINGS"]["app"]["page_size"]
    events, has_next = queries.page(g.org_id, f, _zone(), number=number, size=size)
    return render_template("audit/index.html", events=events, has_next=has_next, page=number, f=f, error=None,
                           **queries.choices(g.org_id))


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Zeit", "Person", "E-Mail", "Aktion", "Objekt", "Objekt-Nr.", "Unterhaltung", "Details"])
    for event in rows:
        actor = event.actor
        writer.writerow([_cell(v) for v in (
            local_time(event.created_at, "yyyy-MM-dd HH:mm:ss"), actor.name if actor else "",
            actor.email if actor else "", event.action, event.object_type, event.object_id,
            event.conversation_id, json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True))])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@bp.get("/export.csv")
@require_role("admin")
def export():
    try:
        f = _filter()
    except BadFilter as exc:
        return Response(str(exc), 400, mimetype="text/plain")
    rows = queries.all_rows(g.org_id, f, _zone())
    return Response(stream_with_context(_csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
