"""Sending mail over SMTP with a channel's settings; shared by the e-mail and web-form channels."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from inbox.channels.adapters.base import DeliveryError


def _smtp(channel) -> smtplib.SMTP:
    settings, creds = channel.settings or {}, channel.credentials
    host = settings.get("smtp_host")
    if not host:
        raise DeliveryError("Kein SMTP-Server für diesen Kanal eingetragen", permanent=True)
    client = smtplib.SMTP(host, int(settings.get("smtp_port", 25)), timeout=20)
    if _flag(settings.get("smtp_starttls")):
        client.starttls()
    if creds.get("smtp_user"):
        client.login(creds["smtp_user"], creds.get("smtp_password", ""))
    return client


def _flag(value) -> bool:
    """Settings typed into a form arrive as text: "nein" must not switch STARTTLS on."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "ja", "yes", "on")
    return bool(value)


def build_reply(channel, reply) -> EmailMessage:
    settings = channel.settings or {}
    sender = settings.get("smtp_from") or settings.get("address") or "noreply@localhost"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = reply.recipient_email
    subject = reply.subject or "Ihre Anfrage"
    msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "mitreden.local")
    if reply.in_reply_to:
        msg["In-Reply-To"] = reply.in_reply_to
        msg["References"] = " ".join(filter(None, [reply.extra.get("references", ""), reply.in_reply_to]))
    msg.set_content(reply.text)
    return msg


def send_reply_mail(channel, reply) -> str:
    if not reply.recipient_email:
        raise DeliveryError("Die Person hat keine E-Mail-Adresse angegeben", permanent=True)
    msg = build_reply(channel, reply)
    send_message(channel, msg)
    return msg["Message-ID"]


def send_message(channel, msg: EmailMessage) -> None:
    try:
        with _smtp(channel) as client:
            client.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        # 5xx is the server's final word; 4xx is worth another try.
        raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"Empfänger abgelehnt: {exc.recipients}", permanent=True) from exc
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP nicht erreichbar: {exc}") from exc


def check_smtp(channel) -> str:
    try:
        with _smtp(channel) as client:
            client.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return f"SMTP-Verbindung fehlgeschlagen: {exc}"
    return "SMTP-Verbindung erfolgreich"
