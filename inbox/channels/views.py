"""The public contact form page of a web-form channel, and what happens to its posts.

The form posts to the channel's webhook address (/webhooks/<slug>), which hands it to `submit`:
each client may post `[security] contact_form_posts` times per window, the form is validated
by its form class, and only a valid one goes on to the intake like any web-form event.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from inbox.channels import intake
from inbox.channels.directory import ChannelKey
from inbox.channels.forms import ContactForm
from inbox.channels.models import Channel
from inbox.core import ratelimit
from inbox.extensions import db

bp = Blueprint("channels", __name__)
log = logging.getLogger(__name__)
NOT_ACCEPTED = "Ihre Nachricht konnte nicht angenommen werden. Bitte prüfen Sie Ihre Eingaben."


def _webform(slug: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.slug == slug, Channel.kind == "webform",
                                                      Channel.enabled.is_(True)))
    if channel is None:
        abort(404)
    return channel


@bp.get("/kontakt/<slug>")
def contact_form(slug: str):
    return render_template("channels/contact.html", channel=_webform(slug), form=ContactForm())


@bp.get("/kontakt/<slug>/danke")
def contact_thanks(slug: str):
    return render_template("channels/thanks.html", channel=_webform(slug))


def submit(key: ChannelKey):
    """A post of the contact form: counted per client, validated, then stored like any web-form event."""
    channel, form = _webform(key.slug), ContactForm()
    verdict = ratelimit.hit(contact_limit(), ratelimit.client_address())
    if not verdict.allowed:
        log.warning("contact form of channel %s: post %d of one client in its window refused", key.slug,
                    verdict.hits)
        minutes = max(1, round(verdict.retry_after / 60))
        notice = (f"Von Ihrem Anschluss wurden in kurzer Zeit zu viele Nachrichten gesendet. Bitte versuchen Sie es "
                  f"in {minutes} Minute{'' if minutes == 1 else 'n'} noch einmal; Ihre Eingaben stehen unten noch im "
                  "Formular.")
        return _page(channel, form, notice), 429, {"Retry-After": str(verdict.retry_after)}
    if not form.validate():
        if form.csrf_token.errors:
            status, answer = intake.refused(key, Exception(f"form token invalid: {form.csrf_token.errors}"))
            return jsonify(answer), status
        log.info("contact form of channel %s refused: %s", key.slug, sorted(form.errors))
        return _page(channel, form, NOT_ACCEPTED), 400
    status, answer = intake.accept(current_app._get_current_object(), key, request, request.get_data(cache=True))
    if status == 200:
        return redirect(url_for("channels.contact_thanks", slug=key.slug), 303)
    if status == 400:  # stored as a failed event for the channel admin; the citizen sees why
        return _page(channel, form, f"{NOT_ACCEPTED} ({answer['error']})"), 400
    return jsonify(answer), status


def contact_limit() -> ratelimit.Limit:
    return ratelimit.Limit.from_settings("contact", "contact_form_posts", "contact_form_window_minutes")


def _page(channel: Channel, form: ContactForm, notice: str) -> str:
    """The form again with what the citizen entered, the notice and each field's errors."""
    return render_template("channels/contact.html", channel=channel, form=form, notice=notice)
