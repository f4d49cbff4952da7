"""WhatsApp Business Cloud API: messages and delivery statuses in, replies out.

WhatsApp allows free text only within 24 hours of the citizen's last message (the customer
service window, inbox/channels/window.py); after that only an approved template may be sent.
send() enforces this, so the rule holds whatever the UI shows.
"""

from __future__ import annotations

from inbox.channels.adapters import register
from inbox.channels.adapters.base import DeliveryError, DeliveryStatus, InboundMessage, ParseResult
from inbox.channels.adapters.common import (
    api_base,
    call,
    connection_message,
    dicts,
    from_epoch,
    load_object,
    obj,
    token,
)
from inbox.channels.adapters.common import text as text_of
from inbox.channels.adapters.meta import GRAPH, META_CREDENTIALS, MetaWebhook
from inbox.channels.window import window_for

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
STATES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


def templates(channel) -> list[dict]:
    """The approved templates configured for the channel: [{name, language, label}]."""
    configured = (channel.settings or {}).get("templates")
    return [t for t in dicts(configured) if text_of(t.get("name")) and text_of(t.get("language"))]


@register
class WhatsAppAdapter(MetaWebhook):
    kind = "whatsapp"
    label = "WhatsApp"
    credential_fields = META_CREDENTIALS + [("access_token", "Zugriffstoken (System User Token)")]
    setting_fields = [("phone_number_id", "Telefonnummer-ID"), ("api_base", "API-Adresse (Standard: Graph API v21.0)"),
                      ("templates", "Freigegebene Vorlagen (Liste aus name, language, label)")]

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        data = load_object(body)
        result = ParseResult()
        if data.get("object") != "whatsapp_business_account":
            return result
        for entry in dicts(data.get("entry")):
            for change in dicts(entry.get("changes")):
                value = obj(change.get("value"))
                number = str(obj(value.get("metadata")).get("phone_number_id", ""))
                if change.get("field") != "messages" or not self._ours(channel, number):
                    continue
                names = {str(c.get("wa_id", "")): text_of(obj(c.get("profile")).get("name"))
                         for c in dicts(value.get("contacts"))}
                result.messages += [m for m in (_message(item, names) for item in dicts(value.get("messages"))) if m]
                result.statuses += [s for s in (_status(item) for item in dicts(value.get("statuses"))) if s]
        return result

    def send(self, channel, reply) -> str:
        template = next((a for a in reply.extra.get("attachments", []) if a.get("type") == "template"), None)
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": reply.recipient_id}
        if template:
            payload.update(type="template",
                           template={"name": template["name"], "language": {"code": template["language"]}})
        else:
            window = window_for(channel, reply.thread_key, reply.extra.get("last_inbound_at"))
            if not window.free_text:
                raise DeliveryError(window.refusal, permanent=True)
            payload.update(type="text", text={"body": reply.text, "preview_url": False})
            if reply.in_reply_to:
                payload["context"] = {"message_id": reply.in_reply_to}
        answer = call("POST", f"{self._number_url(channel)}/messages", token(channel), json=payload)
        sent = [m for m in dicts(answer.get("messages")) if m.get("id")]
        if not sent:
            raise DeliveryError(f"WhatsApp hat keine Nachrichten-ID zurückgegeben: {str(answer)[:200]}",
                                permanent=True)
        return str(sent[0]["id"])

    def test_connection(self, channel) -> str:
        def check() -> str:
            number = call("GET", self._number_url(channel), token(channel),
                          params={"fields": "display_phone_number,verified_name"})
            return f"Verbindung erfolgreich: {number.get('verified_name', '')} {number.get('display_phone_number', '')}"

        return connection_message(check)

    def _ours(self, channel, number_id: str) -> bool:
        """A business account may hold several numbers; a channel takes only its own."""
        configured = str((channel.settings or {}).get("phone_number_id") or "")
        return not configured or not number_id or number_id == configured

    def _number_url(self, channel) -> str:
        number_id = (channel.settings or {}).get("phone_number_id")
        if not number_id:
            raise DeliveryError("Keine Telefonnummer-ID für diesen WhatsApp-Kanal eingetragen", permanent=True)
        return f"{api_base(channel, GRAPH)}/{number_id}"


def _message(item: dict, names: dict[str, str]) -> InboundMessage | None:
    sender, kind = str(item.get("from", "")), item.get("type")
    if not sender or not item.get("id"):
        return None
    body, attachments = _content(kind, item)
    if body is None:
        return None  # reactions, system notices and types we cannot show are ignored
    return InboundMessage(
        external_id=str(item["id"]), text=body, author_id=sender, author_handle=f"+{sender}",
        author_name=names.get(sender, ""), thread_key=f"dm:{sender}", attachments=attachments,
        parent_external_id=str(obj(item.get("context")).get("id", "")), sent_at=from_epoch(item.get("timestamp")),
    )


def _content(kind, item: dict) -> tuple[str | None, list[dict]]:
    if kind == "text":
        return text_of(obj(item.get("text")).get("body")), []
    if kind in MEDIA_TYPES:
        media = obj(item.get(kind))
        name = text_of(media.get("filename")) or text_of(media.get("caption")) or kind
        return text_of(media.get("caption")), [{"type": kind, "media_id": str(media.get("id", "")), "name": name,
                                                 "mime_type": text_of(media.get("mime_type"))}]
    if kind == "location":
        place = obj(item.get("location"))
        label = ", ".join(filter(None, [text_of(place.get("name")), text_of(place.get("address"))]))
        where = f"{place.get('latitude')}, {place.get('longitude')}"
        return f"Standort: {label} ({where})" if label else f"Standort: {where}", [
            {"type": "location", "name": label or where, "latitude": place.get("latitude"),
             "longitude": place.get("longitude")}]
    if kind == "button":
        return text_of(obj(item.get("button")).get("text")), []
    return None, []


def _status(item: dict) -> DeliveryStatus | None:
    state = STATES.get(item.get("status"))
    if state is None or not item.get("id"):
        return None
    errors = dicts(item.get("errors"))
    reason = "; ".join(" – ".join(filter(None, [text_of(e.get("title")), text_of(e.get("message"))])) for e in errors)
    return DeliveryStatus(external_id=str(item["id"]), state=state, error=reason[:500])
