"""X (formerly Twitter) through the Account Activity API: direct messages and mentions.

X checks the webhook with a CRC (GET crc_token, answered with an HMAC of it) and signs every
POST with the consumer secret (x-twitter-webhooks-signature, base64). Replies use the v2 API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

from flask import jsonify

from inbox.channels.adapters import register
from inbox.channels.adapters.base import ChannelAdapter, DeliveryError, InboundMessage, ParseResult, SignatureError
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
from inbox.core.crypto import signature_matches

API = "https://api.twitter.com"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
# The CRC answer is the same HMAC that signs a POST body, so answering an arbitrary token would sign any event
# for whoever asks. X's tokens are short base64-like strings; an accepted body is a JSON object and needs "{",
# which this alphabet lacks, so no answer can ever be the signature of an acceptable body.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_.~-]{1,256}")


def signature(secret: str, data: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


@register
class XAdapter(ChannelAdapter):
    kind = "x"
    label = "X"
    credential_fields = [("consumer_secret", "API Key Secret (Consumer Secret)"),
                         ("access_token", "Nutzer-Zugriffstoken (OAuth 2.0)")]
    setting_fields = [("user_id", "Konto-ID"), ("api_base", "API-Adresse (Standard: https://api.twitter.com)")]

    def handshake(self, channel, request):
        secret, crc = channel.credentials.get("consumer_secret", ""), request.args.get("crc_token", "")
        if not secret or not crc:
            raise SignatureError("crc_token missing or no consumer secret configured")
        if not CRC_TOKEN.fullmatch(crc):
            raise SignatureError("crc_token is not a plain token; refused so the answer cannot sign a body")
        return jsonify(response_token=signature(secret, crc.encode()))

    def verify(self, channel, request, body: bytes) -> None:
        secret = channel.credentials.get("consumer_secret", "")
        if not secret or not signature_matches(request.headers.get(SIGNATURE_HEADER, ""), signature(secret, body)):
            raise SignatureError(f"{SIGNATURE_HEADER} missing or wrong")

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        data = load_object(body)
        configured = str((channel.settings or {}).get("user_id") or "")
        own_id = str(data.get("for_user_id") or configured)
        if configured and own_id != configured:
            return ParseResult()  # one webhook may serve several subscribed accounts
        users = obj(data.get("users"))
        result = ParseResult()
        result.messages += [m for e in dicts(data.get("direct_message_events")) if (m := _dm(e, own_id, users))]
        result.messages += [m for t in dicts(data.get("tweet_create_events")) if (m := _mention(t, own_id))]
        result.messages += [m for e in dicts(data.get("tweet_delete_events")) if (m := _deleted(e, own_id))]
        return result

    def send(self, channel, reply) -> str:
        base, bearer = api_base(channel, API), token(channel)
        if reply.thread_key.startswith("dm:"):
            answer = call("POST", f"{base}/2/dm_conversations/with/{reply.recipient_id}/messages", bearer,
                          json={"text": reply.text})
            sent_id = obj(answer.get("data")).get("dm_event_id")
        else:
            if not reply.in_reply_to:
                raise DeliveryError("Kein Beitrag zum Beantworten gefunden", permanent=True)
            answer = call("POST", f"{base}/2/tweets", bearer,
                          json={"text": reply.text, "reply": {"in_reply_to_tweet_id": reply.in_reply_to}})
            sent_id = obj(answer.get("data")).get("id")
        if not sent_id:
            raise DeliveryError(f"X hat keine ID zurückgegeben, bitte dort prüfen: {str(answer)[:200]}",
                                permanent=True)
        return str(sent_id)

    def test_connection(self, channel) -> str:
        def check() -> str:
            me = obj(call("GET", f"{api_base(channel, API)}/2/users/me", token(channel)).get("data"))
            return f"Verbindung erfolgreich: @{me.get('username', '')}"

        return connection_message(check)


def _dm(event: dict, own_id: str, users: dict) -> InboundMessage | None:
    create = obj(event.get("message_create"))
    sender = str(create.get("sender_id", ""))
    if event.get("type") != "message_create" or not event.get("id") or not sender or sender == own_id:
        return None
    data = obj(create.get("message_data"))
    user = obj(users.get(sender))
    media = obj(obj(data.get("attachment")).get("media"))
    attachments = [{"type": text_of(media.get("type")) or "media", "url": text_of(media.get("media_url_https")),
                    "name": text_of(media.get("type")) or "Anhang"}] if media else []
    return InboundMessage(
        external_id=str(event["id"]), text=text_of(data.get("text")), author_id=sender,
        author_handle=f"@{user['screen_name']}" if text_of(user.get("screen_name")) else "",
        author_name=text_of(user.get("name")), thread_key=f"dm:{sender}", attachments=attachments,
        sent_at=from_epoch(event.get("created_timestamp"), millis=True),
    )


def _mention(tweet: dict, own_id: str) -> InboundMessage | None:
    user = obj(tweet.get("user"))
    author = str(user.get("id_str") or user.get("id") or "")
    if not tweet.get("id_str") or not author or author == own_id or "retweeted_status" in tweet:
        return None
    mentioned = {str(m.get("id_str") or m.get("id")) for m in dicts(obj(tweet.get("entities")).get("user_mentions"))}
    if own_id not in mentioned and str(tweet.get("in_reply_to_user_id_str") or "") != own_id:
        return None
    full = text_of(obj(tweet.get("extended_tweet")).get("full_text")) or text_of(tweet.get("full_text"))
    return InboundMessage(
        external_id=str(tweet["id_str"]), text=full or text_of(tweet.get("text")), author_id=author,
        author_handle=f"@{user['screen_name']}" if text_of(user.get("screen_name")) else "",
        author_name=text_of(user.get("name")), thread_key="mentions",
        parent_external_id=str(tweet.get("in_reply_to_status_id_str") or ""), is_public=True,
        sent_at=_tweet_time(tweet),
    )


def _deleted(event: dict, own_id: str) -> InboundMessage | None:
    status = obj(event.get("status"))
    if not status.get("id") or str(status.get("user_id", "")) == own_id:
        return None
    return InboundMessage(external_id=str(status["id"]), text="", author_id=str(status.get("user_id", "")),
                          thread_key="mentions", event="delete")


def _tweet_time(tweet: dict) -> datetime | None:
    if tweet.get("timestamp_ms"):
        return from_epoch(tweet["timestamp_ms"], millis=True)
    try:
        return datetime.strptime(text_of(tweet.get("created_at")), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError:
        return None
