"""The public contact form page of a web-form channel."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from inbox.channels.forms import ContactForm
from inbox.channels.models import Channel
from inbox.extensions import db

bp = Blueprint("channels", __name__)


def _webform(slug: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.slug == slug, Channel.kind == "webform",
                                                      Channel.enabled.is_(True)))
    if channel is None:
        abort(404)
    return channel


@bp.get("/kontakt/<slug>")
def contact_form(slug: str):
    channel = _webform(slug)
    return render_template("channels/contact.html", channel=channel, form=ContactForm(),
                           error=request.args.get("error", ""))


@bp.get("/kontakt/<slug>/danke")
def contact_thanks(slug: str):
    return render_template("channels/thanks.html", channel=_webform(slug))
