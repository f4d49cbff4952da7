"""The city's website contact form: signed JSON from the CMS, or our own public form page."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs

from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from inbox.channels.adapters import register
from inbox.channels.adapters.base import ChannelAdapter, InboundMessage, ParseResult, PayloadError, SignatureError
from inbox.channels.adapters.common import load_object
from inbox.channels.mail import send_reply_mail
from inbox.core.crypto import hmac_sha256_hex, signature_matches

SIGNATURE_HEADER = "X-Mitreden-Signature"
LIMITS = {"external_id": 255, "name": 255, "email": 254, "handle": 255, "subject": 255, "text": 20000}


@register
class WebFormAdapter(ChannelAdapter):
    kind = "webform"
    label = "Kontaktformular"
    credential_fields = [("secret", "Signatur-Schlüssel")]
    setting_fields = [("smtp_host", "SMTP-Server"), ("smtp_port", "SMTP-Port"), ("smtp_from", "Absenderadresse")]
    # Left empty when the channel is created, these are generated and shown to the admin once.
    generated_credentials = ("secret",)

    def verify(self, channel, request, body: bytes) -> None:
        if _is_form(request.content_type):
            # Our own public form page: the CSRF token proves the form came from us.
            try:
                validate_csrf(request.form.get("csrf_token"))
            except ValidationError as exc:
                raise SignatureError(f"form token invalid: {exc}") from exc
            return
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = "sha256=" + hmac_sha256_hex(channel.credentials.get("secret", ""), body)
        if not channel.credentials.get("secret") or not signature_matches(given, expected):
            raise SignatureError("signature missing or wrong")

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        data = _form_fields(body) if _is_form(content_type) else _json_fields(body)
        return ParseResult(messages=[_to_message(data)])

    def send(self, channel, reply) -> str:
        return send_reply_mail(channel, reply)

    def test_connection(self, channel) -> str:
        settings = channel.settings or {}
        if not settings.get("smtp_host"):
            return "Eingang bereit. Antworten werden nicht versendet: kein SMTP-Server eingetragen."
        from inbox.channels.mail import check_smtp

        return check_smtp(channel)


def _is_form(content_type: str | None) -> bool:
    return (content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _json_fields(body: bytes) -> dict:
    return load_object(body)


def _form_fields(body: bytes) -> dict:
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    data = {key: values[0] for key, values in fields.items()}
    data["external_id"] = data.pop("submission_id", "")
    return data


def _to_message(data: dict) -> InboundMessage:
    for key, limit in LIMITS.items():
        value = data.get(key, "")
        if not isinstance(value, str):
            raise PayloadError(f"field '{key}' must be a string")
        if len(value) > limit:
            raise PayloadError(f"field '{key}' is longer than {limit} characters")
    missing = [key for key in ("external_id", "text") if not data.get(key, "").strip()]
    if missing:
        raise PayloadError("missing field(s): " + ", ".join(missing))
    email, handle = data.get("email", "").strip(), data.get("handle", "").strip()
    if not (email or handle):
        raise PayloadError("either 'email' or 'handle' is required")
    if email and "@" not in email:
        raise PayloadError("'email' is not an e-mail address")
    return InboundMessage(
        external_id=data["external_id"].strip(),
        text=data["text"].strip(),
        author_id=(email or handle).lower(),
        author_handle=handle,
        author_name=data.get("name", "").strip(),
        author_email=email,
        subject=data.get("subject", "").strip(),
        sent_at=_parse_time(data.get("sent_at")),
    )


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise PayloadError("'sent_at' is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise PayloadError("'sent_at' needs a time zone")
    return moment
