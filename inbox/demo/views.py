"""The "Demo-Postausgang": what each platform's stand-in and the SMTP sink received, newest first.

Registered only when the app runs as the demo (DEMO set); admins and leads of the demo city see it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template
from sqlalchemy import select

from inbox.accounts.access import require_role
from inbox.channels.adapters import get_adapter
from inbox.demo import ORG_SLUG, running_standins
from inbox.demo.standins import HTTP_KINDS
from inbox.extensions import db
from inbox.orgs.models import Organization

bp = Blueprint("demo", __name__, url_prefix="/admin/demo-postausgang")


@bp.get("/")
@require_role("admin", "lead")
def outbox():
    demo_org = db.session.scalar(select(Organization.id).where(Organization.slug == ORG_SLUG))
    if g.org_id != demo_org:
        abort(404)  # the stand-ins hold only the demo city's sends
    standins = running_standins(current_app)
    sections = []
    if standins is not None:
        sections = [(get_adapter(kind).label, standins.sent(kind)) for kind in HTTP_KINDS]
        mails = list(reversed(standins.smtp.received()))
    else:
        mails = []
    return render_template("demo/outbox.html", running=standins is not None, sections=sections, mails=mails)
