"""Channel administration for admins: add, edit, enable/disable, test, and the raw events that failed."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from inbox.accounts.access import require_role, scoped_get
from inbox.channels import operations, queries
from inbox.channels.adapters import ADAPTERS, kinds
from inbox.channels.admin_forms import ButtonForm, ReprocessForm, build_form
from inbox.channels.models import Channel, RawEvent
from inbox.core.crypto import SecretError, decrypt_json, encrypt_json
from inbox.extensions import db
from inbox.orgs.models import Organization, Team

bp = Blueprint("channel_admin", __name__, url_prefix="/admin/kanaele")
log = logging.getLogger(__name__)
EVENT_STATES = {"failed": "Fehlgeschlagen", "ignored": "Ignoriert", "pending": "Wartend"}
ONCE_KEY = "channel_admin_once"
PAGE_SIZE = 50


def _adapter(kind: str):
    kinds()  # loads the adapter modules
    return ADAPTERS.get(kind)


def _teams() -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.organization_id == g.org_id).order_by(Team.name)))


def webhook_url(channel: Channel) -> str:
    return url_for("webhooks.receive", slug=channel.slug, _external=True)


@bp.app_context_processor
def _helpers():
    return {"channel_webhook_url": webhook_url}


@bp.get("/")
@require_role("admin")
def index():
    rows = queries.channel_rows(g.org_id)
    adapters = {row.channel.kind: _adapter(row.channel.kind) for row in rows}
    return render_template("channel_admin/index.html", rows=rows, adapters=adapters)


@bp.get("/neu")
@require_role("admin")
def choose_kind():
    return render_template("channel_admin/choose.html", kinds=kinds())


@bp.route("/neu/<kind>", methods=["GET", "POST"])
@require_role("admin")
def create(kind: str):
    adapter = _adapter(kind)
    if adapter is None:
        abort(404)
    teams = _teams()
    form = build_form(adapter, teams, team_id=teams[0].id if teams else None)
    if form.validate_on_submit():
        channel = _create(adapter, form, {t.id: t for t in teams})
        if channel is not None:
            return redirect(url_for("channel_admin.created", channel_id=channel.id), 303)
    return render_template("channel_admin/form.html", form=form, adapter=adapter, channel=None), \
        400 if form.errors else 200


def _create(adapter, form, teams: dict[int, Team]) -> Channel | None:
    slug = form.slug.data or None
    if slug and db.session.scalar(select(Channel.id).where(Channel.slug == slug)):
        form.slug.errors.append("Diese Kennung ist schon vergeben.")
        return None
    credentials = {key: value for key, value in form.credential_values().items() if value}
    generated = {key: secrets.token_hex(32) for key in getattr(adapter, "generated_credentials", ())
                 if key not in credentials}
    settings = {key: value for key, value in form.setting_values().items() if value}
    org = db.session.get(Organization, g.org_id)
    try:
        channel = operations.create_channel(org, teams.get(form.team.data), adapter.kind, form.name.data.strip(),
                                            slug=slug, credentials={**credentials, **generated}, settings=settings)
    except ValueError as exc:
        log.info("channel not created: %s", exc)
        form.team.errors.append("Bitte ein Team dieser Organisation wählen.")
        return None
    db.session.commit()
    # Generated secrets travel to the one-time page encrypted, never in clear in the session cookie.
    session[ONCE_KEY] = encrypt_json({"channel_id": channel.id, "values": generated}) if generated else ""
    return channel


@bp.get("/<int:channel_id>/angelegt")
@require_role("admin")
def created(channel_id: int):
    channel = scoped_get(Channel, channel_id)
    try:
        once = decrypt_json(session.pop(ONCE_KEY, "") or "")
    except SecretError:
        once = {}
    values = once.get("values", {}) if once.get("channel_id") == channel.id else {}
    adapter = _adapter(channel.kind)
    labels = dict(getattr(adapter, "credential_fields", []))
    response = current_app.make_response(render_template(
        "channel_admin/created.html", channel=channel, generated=[(labels.get(k, k), v) for k, v in values.items()]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:channel_id>", methods=["GET", "POST"])
@require_role("admin")
def edit(channel_id: int):
    channel = scoped_get(Channel, channel_id)
    adapter = _adapter(channel.kind)
    teams = _teams()
    form = build_form(adapter, teams, stored_credentials=set(channel.credentials), settings=channel.settings or {},
                      name=channel.name, team_id=channel.team_id)
    if form.validate_on_submit():
        try:
            operations.update_channel(channel, name=form.name.data.strip(),
                                      team={t.id: t for t in teams}.get(form.team.data),
                                      settings=form.setting_values(), new_credentials=form.credential_values())
        except ValueError:
            abort(400)
        db.session.commit()
        flash("Kanal gespeichert.", "success")
        return redirect(url_for("channel_admin.edit", channel_id=channel.id), 303)
    return render_template("channel_admin/form.html", form=form, adapter=adapter, channel=channel), \
        400 if form.errors else 200


@bp.post("/<int:channel_id>/<any(aktivieren, deaktivieren):action>")
@require_role("admin")
def toggle(channel_id: int, action: str):
    channel = scoped_get(Channel, channel_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    operations.set_enabled(channel, action == "aktivieren")
    db.session.commit()
    flash(f"„{channel.name}“ ist {'aktiviert' if channel.enabled else 'deaktiviert'}.", "success")
    return redirect(url_for("channel_admin.index"), 303)


@bp.post("/<int:channel_id>/testen")
@require_role("admin")
def test(channel_id: int):
    channel = scoped_get(Channel, channel_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    ok, message = operations.check_connection(channel)
    operations.record_test(channel, ok)
    db.session.commit()
    flash(f"Verbindung testen: {message}", "success" if ok else "error")
    return redirect(url_for("channel_admin.edit", channel_id=channel.id), 303)


@bp.get("/<int:channel_id>/ereignisse")
@require_role("admin")
def events(channel_id: int):
    channel = scoped_get(Channel, channel_id)
    status = request.args.get("status", "failed")
    if status not in EVENT_STATES:
        abort(400)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = queries.raw_events(channel, status, page=page, page_size=PAGE_SIZE)
    return render_template("channel_admin/events.html", channel=channel, rows=rows, status=status, page=page,
                           has_next=has_next, states=EVENT_STATES, counts=queries.event_counts(channel),
                           form=ReprocessForm(status=status))


@bp.post("/<int:channel_id>/ereignisse/erneut")
@require_role("admin")
def reprocess_all(channel_id: int):
    channel = scoped_get(Channel, channel_id)
    form = ReprocessForm()
    if not form.validate_on_submit() or form.status.data not in EVENT_STATES:
        abort(400)
    count = operations.reprocess_events(channel, queries.event_ids(channel, form.status.data))
    db.session.commit()
    flash(f"{count} Ereignis(se) werden erneut verarbeitet.", "success")
    return redirect(url_for("channel_admin.events", channel_id=channel.id, status=form.status.data), 303)


@bp.post("/ereignisse/<int:event_id>/erneut")
@require_role("admin")
def reprocess_one(event_id: int):
    event = scoped_get(RawEvent, event_id)
    if not ReprocessForm().validate_on_submit():
        abort(400)
    status = event.status
    if operations.reprocess_events(event.channel, [event.id]):
        flash(f"Ereignis {event.id} wird erneut verarbeitet.", "success")
    else:
        flash(f"Ereignis {event.id} ist schon verarbeitet.", "error")
    db.session.commit()
    return redirect(url_for("channel_admin.events", channel_id=event.channel_id, status=status), 303)
