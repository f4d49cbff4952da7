"""Outgoing e-mail with the [mail] settings: forwards, reminders, escalations and alerts to leads."""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    pass


def settings() -> dict:
    return current_app.config["SETTINGS"].get("mail", {})


def enabled() -> bool:
    return bool(settings().get("smtp_host"))


def path_for(endpoint: str, **values) -> str:
    """A local URL path that works in jobs too, where there is no request to build it from."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(endpoint: str, **values) -> str:
    return settings().get("base_url", "").rstrip("/") + path_for(endpoint, **values)


def reply_address(token: str) -> str:
    """presse@city.de -> presse+fw-<token>@city.de: the reply finds its forward by this address."""
    local, _at, domain = settings().get("from_address", "presse@mitreden.local").partition("@")
    return f"{local}+fw-{token}@{domain}"


def build(to: list[str], subject: str, body: str, *, token: str | None = None, in_reply_to: str = "") -> EmailMessage:
    sender = settings().get("from_address", "presse@mitreden.local")
    msg = EmailMessage()
    msg["From"] = f"Mitreden <{sender}>"
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "mitreden.local"
    # The token inside the Message-ID lets a reply that lost the Reply-To still find its forward.
    msg["Message-ID"] = make_msgid(idstring=f"fw-{token}" if token else None, domain=domain)
    if token:
        msg["Reply-To"] = reply_address(token)
        msg["X-Mitreden-Forward"] = token
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    msg.set_content(body)
    return msg


def send(msg: EmailMessage) -> None:
    conf = settings()
    if not conf.get("smtp_host"):
        raise MailError("Kein SMTP-Server eingetragen ([mail] smtp_host)")
    try:
        with smtplib.SMTP(conf["smtp_host"], int(conf.get("smtp_port", 25)), timeout=20) as client:
            if conf.get("smtp_starttls"):
                client.starttls()
            if conf.get("smtp_user"):
                client.login(conf["smtp_user"], os.environ.get("MITREDEN_SMTP_PASSWORD", ""))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"E-Mail konnte nicht gesendet werden: {exc}") from exc
