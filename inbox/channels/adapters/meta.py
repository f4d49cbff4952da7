"""Facebook Page (Messenger, comments on page posts) and Instagram (direct messages, comments).

Both come through Meta's webhooks: a GET handshake with the verify token, then POSTs signed
with the app secret (X-Hub-Signature-256). Replies go out through the Graph API; direct
messages only within the messaging window (inbox/channels/window.py).

An Instagram account is connected one of two ways, and Meta documents a different send
endpoint for each: with Facebook Login (the account linked to a Facebook Page, a Page token)
on graph.facebook.com as /{page-id}/messages, with Instagram Login (an Instagram user token)
on graph.instagram.com as /{instagram-user-id}/messages (or /me/messages).
"""

from __future__ import annotations

import abc

from flask import Response

from inbox.channels import known
from inbox.channels.adapters import register
from inbox.channels.adapters.base import (
    CannotTell,
    ChannelAdapter,
    DeliveryError,
    InboundMessage,
    ParseResult,
    SignatureError,
)
from inbox.channels.adapters.common import (
    api_base,
    call,
    connection_message,
    dicts,
    from_epoch,
    load_object,
    obj,
    posted_since_written,
    text,
    token,
)
from inbox.channels.window import HUMAN_AGENT_FIELDS, window_for
from inbox.core.crypto import hmac_sha256_hex, signature_matches

GRAPH = "https://graph.facebook.com/v21.0"
INSTAGRAM_GRAPH = "https://graph.instagram.com/v21.0"
LOOKUP_PAGE_SIZE = 100
LOOKUP_PAGES = 10  # pages of a comment's replies read to find a reply whose answer was lost
META_CREDENTIALS = [("app_secret", "App-Geheimnis (App Secret)"), ("verify_token", "Verifizierungs-Token")]
HUMAN_AGENT_SETTING = ("human_agent", "Berechtigung „Human Agent“ von Meta erteilt (Antworten bis 7 Tage)",
                       [("", "Nein"), ("yes", "Ja")])
LOGIN_TYPES = [("facebook", "Facebook-Login: Seiten-ID und Seiten-Zugriffstoken (Standard)"),
               ("instagram", "Instagram-Login: Instagram-Zugriffstoken")]


class MetaWebhook(ChannelAdapter):
    """Meta's webhook verification, shared by Facebook, Instagram, WhatsApp and Threads."""

    def handshake(self, channel, request):
        args = request.args
        expected = channel.credentials.get("verify_token", "")
        if args.get("hub.mode") != "subscribe" or not expected:
            raise SignatureError("hub.mode is not subscribe or no verify token configured")
        if not signature_matches(args.get("hub.verify_token", ""), expected):
            raise SignatureError("verify token does not match")
        return Response(args.get("hub.challenge", ""), 200, mimetype="text/plain")

    def verify(self, channel, request, body: bytes) -> None:
        secret = channel.credentials.get("app_secret", "")
        given = request.headers.get("X-Hub-Signature-256", "")
        if not secret or not signature_matches(given, "sha256=" + hmac_sha256_hex(secret, body)):
            raise SignatureError("X-Hub-Signature-256 missing or wrong")


class _PageAdapter(MetaWebhook, abc.ABC):
    """What Facebook and Instagram share: messaging events, changes on posts, Graph API replies."""

    webhook_object = ""
    account_setting = ""
    comment_field = ""
    dm_extra: dict = {}
    # Where a comment's replies are listed, and their text and time fields: (edge, text, time).
    replies_lookup: tuple[str, str, str] = ("", "", "")

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        data = load_object(body)
        if data.get("object") != self.webhook_object:
            return ParseResult()
        result = ParseResult()
        account = str((channel.settings or {}).get(self.account_setting) or "")
        for entry in dicts(data.get("entry")):
            own_id = str(entry.get("id", ""))
            if account and own_id != account:
                continue  # one Meta app may serve several pages: take only this channel's
            result.messages += [m for e in dicts(entry.get("messaging")) if (m := _messaging(e, own_id))]
            for change in dicts(entry.get("changes")):
                if change.get("field") == self.comment_field:
                    result.messages += [m for m in [self.comment(obj(change.get("value")), own_id)] if m]
        return result

    @abc.abstractmethod
    def comment(self, value: dict, own_id: str) -> InboundMessage | None:
        """The platform's comment change as a message (Facebook and Instagram shape them differently)."""

    def send(self, channel, reply) -> str:
        bearer = token(channel)
        if reply.thread_key.startswith("post:"):
            return self.reply_to_comment(channel, bearer, _comment_target(reply))
        window = window_for(channel, reply.thread_key, reply.extra.get("last_inbound_at"))
        if not window.free_text:
            raise DeliveryError(window.refusal, permanent=True)
        payload = {"recipient": {"id": reply.recipient_id}, "message": {"text": reply.text}}
        payload.update(HUMAN_AGENT_FIELDS if window.tagged else self.dm_extra)
        answer = call("POST", self.messages_url(channel), bearer, json=payload)
        return _answer_id(answer, "message_id")

    def graph(self, channel) -> str:
        """The API the channel's token belongs to (the api_base setting overrides it)."""
        return api_base(channel, GRAPH)

    def messages_url(self, channel) -> str:
        """Meta's Send API: /{page-id}/messages with a Page token (/me is the page the token is for)."""
        page = (channel.settings or {}).get("page_id") or "me"
        return f"{self.graph(channel)}/{page}/messages"

    @abc.abstractmethod
    def reply_to_comment(self, channel, bearer: str, target: tuple[str, str]) -> str:
        """Post the reply under the comment; returns the platform's id of the reply."""

    def find_delivered(self, channel, reply) -> str | None:
        """A comment reply: ours among the replies to the comment answered. Direct messages: we cannot tell."""
        own = str((channel.settings or {}).get(self.account_setting) or "")
        if not reply.thread_key.startswith("post:") or not own:
            return super().find_delivered(channel, reply)
        return _find_comment_reply(channel, self.graph(channel), self.replies_lookup, own, reply)

    def test_connection(self, channel) -> str:
        def check() -> str:
            me = call("GET", f"{self.graph(channel)}/me", token(channel), params={"fields": "id,name"})
            return f"Verbindung erfolgreich: {me.get('name') or me.get('username') or me.get('id', '')}"

        return connection_message(check)


@register
class FacebookAdapter(_PageAdapter):
    kind = "facebook"
    label = "Facebook-Seite"
    webhook_object = "page"
    account_setting = "page_id"
    comment_field = "feed"
    dm_extra = {"messaging_type": "RESPONSE"}
    replies_lookup = ("comments", "message", "created_time")
    credential_fields = META_CREDENTIALS + [("access_token", "Seiten-Zugriffstoken (Page Access Token)")]
    setting_fields = [("page_id", "Seiten-ID"), HUMAN_AGENT_SETTING,
                      ("api_base", "API-Adresse (Standard: Graph API v21.0)")]

    def comment(self, value: dict, own_id: str) -> InboundMessage | None:
        author = obj(value.get("from"))
        if value.get("item") != "comment" or not value.get("comment_id") or str(author.get("id", "")) == own_id:
            return None
        event = {"add": "message", "edited": "edit", "remove": "delete"}.get(value.get("verb"))
        if event is None:
            return None
        return InboundMessage(
            external_id=str(value["comment_id"]), text=text(value.get("message")),
            author_id=str(author.get("id", "")), author_name=text(author.get("name")),
            thread_key=f"post:{value.get('post_id', '')}", parent_external_id=str(value.get("parent_id", "")),
            attachments=[{"type": "photo", "url": value["photo"]}] if text(value.get("photo")) else [],
            is_public=True, sent_at=from_epoch(value.get("created_time")), event=event,
        )

    def reply_to_comment(self, channel, bearer: str, target: tuple[str, str]) -> str:
        comment_id, text_ = target
        answer = call("POST", f"{self.graph(channel)}/{comment_id}/comments", bearer, json={"message": text_})
        return _answer_id(answer, "id")


@register
class InstagramAdapter(_PageAdapter):
    kind = "instagram"
    label = "Instagram"
    webhook_object = "instagram"
    account_setting = "instagram_id"
    comment_field = "comments"
    replies_lookup = ("replies", "text", "timestamp")
    credential_fields = META_CREDENTIALS + [
        ("access_token", "Zugriffstoken (Seiten-Token bei Facebook-Login, Instagram-Token bei Instagram-Login)")]
    setting_fields = [("login_type", "Anmeldeart", LOGIN_TYPES), ("instagram_id", "Instagram-Konto-ID"),
                      ("page_id", "Seiten-ID der verknüpften Facebook-Seite (bei Facebook-Login)"), HUMAN_AGENT_SETTING,
                      ("api_base", "API-Adresse (Standard: Graph API v21.0 der Anmeldeart)")]

    def comment(self, value: dict, own_id: str) -> InboundMessage | None:
        author = obj(value.get("from"))
        if not value.get("id") or str(author.get("id", "")) == own_id:
            return None
        username, media_id = text(author.get("username")), obj(value.get("media")).get("id", "")
        return InboundMessage(
            external_id=str(value["id"]), text=text(value.get("text")), author_id=str(author.get("id", "")),
            author_handle=f"@{username}" if username else "", thread_key=f"post:{media_id}",
            parent_external_id=str(value.get("parent_id", "")), is_public=True,
        )

    def reply_to_comment(self, channel, bearer: str, target: tuple[str, str]) -> str:
        comment_id, text_ = target
        answer = call("POST", f"{self.graph(channel)}/{comment_id}/replies", bearer, json={"message": text_})
        return _answer_id(answer, "id")

    def graph(self, channel) -> str:
        return api_base(channel, INSTAGRAM_GRAPH if _instagram_login(channel) else GRAPH)

    def messages_url(self, channel) -> str:
        if _instagram_login(channel):
            account = (channel.settings or {}).get("instagram_id") or "me"
            return f"{self.graph(channel)}/{account}/messages"
        return super().messages_url(channel)


def _instagram_login(channel) -> bool:
    return (channel.settings or {}).get("login_type") == "instagram"


def _messaging(event: dict, own_id: str) -> InboundMessage | None:
    """One Messenger / Instagram messaging event: a message, an edit or an unsent message."""
    sender = str(obj(event.get("sender")).get("id", ""))
    if not sender or sender == own_id:
        return None
    sent_at = from_epoch(event.get("timestamp"), millis=True)
    if isinstance(event.get("message_edit"), dict):
        edit = event["message_edit"]
        return InboundMessage(external_id=str(edit.get("mid", "")), text=text(edit.get("text")), author_id=sender,
                              thread_key=f"dm:{sender}", event="edit") if edit.get("mid") else None
    message = obj(event.get("message"))
    if not message.get("mid") or message.get("is_echo"):
        return None
    return InboundMessage(
        external_id=str(message["mid"]), text=text(message.get("text")), author_id=sender,
        thread_key=f"dm:{sender}", parent_external_id=str(obj(message.get("reply_to")).get("mid", "")),
        attachments=[_attachment(a) for a in dicts(message.get("attachments"))], sent_at=sent_at,
        event="delete" if message.get("is_deleted") else "message",
    )


def _attachment(item: dict) -> dict:
    payload = obj(item.get("payload"))
    return {"type": text(item.get("type")) or "file", "url": text(payload.get("url")),
            "name": text(payload.get("title")) or text(item.get("type")) or "Anhang"}


def _comment_target(reply) -> tuple[str, str]:
    """Answer the comment itself; a reply to a reply goes under its top-level comment (Meta nests one level)."""
    post_id = reply.thread_key.removeprefix("post:")
    parent = reply.extra.get("parent", "")
    target = parent if parent and parent != post_id else reply.in_reply_to
    if not target:
        raise DeliveryError("Kein Kommentar zum Beantworten gefunden", permanent=True)
    return target, reply.text


def _find_comment_reply(channel, graph: str, lookup: tuple[str, str, str], own: str, reply) -> str | None:
    """Our reply with this text under the comment, posted since the editor wrote it, not one we hold already."""
    edge, text_field, time_field = lookup
    target, wanted = _comment_target(reply)
    url = f"{graph}/{target}/{edge}"
    params = {"fields": f"id,{text_field},{time_field},from", "limit": LOOKUP_PAGE_SIZE}
    for _page in range(LOOKUP_PAGES):
        page = call("GET", url, token(channel), params=params)
        ours = [str(item["id"]) for item in dicts(page.get("data")) if item.get("id")
                and str(obj(item.get("from")).get("id", "")) == own
                and text(item.get(text_field)).strip() == wanted.strip()
                and posted_since_written(item.get(time_field), reply)]
        held = known.stored_ids(channel, ours)
        if found := next((reply_id for reply_id in ours if reply_id not in held), None):
            return found
        after = obj(obj(page.get("paging")).get("cursors")).get("after")
        if not obj(page.get("paging")).get("next") or not after:
            return None
        params = {**params, "after": after}
    raise CannotTell("zu viele Antworten unter dem Kommentar, um nachzusehen")


def _answer_id(answer: dict, key: str) -> str:
    value = answer.get(key) or answer.get("id")
    if not value:
        # The call succeeded, so the reply may be out: a retry could send it twice.
        raise DeliveryError(f"Die Plattform hat keine ID zurückgegeben, bitte dort prüfen: {str(answer)[:200]}",
                            permanent=True)
    return str(value)
