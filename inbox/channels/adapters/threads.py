"""Threads: replies to the account's posts, by webhook (field "replies") or by polling.

Replies are published in two steps, as the Threads API requires: create a text container
that replies to the citizen's post, then publish it.
"""

from __future__ import annotations

import json

from inbox.channels.adapters import register
from inbox.channels.adapters.base import DeliveryError, InboundMessage, ParseResult
from inbox.channels.adapters.common import api_base, call, connection_message, dicts, from_iso, load_object, obj, token
from inbox.channels.adapters.common import text as text_of
from inbox.channels.adapters.meta import META_CREDENTIALS, MetaWebhook

API = "https://graph.threads.net/v1.0"
REPLY_FIELDS = "id,text,username,timestamp,media_type,permalink,replied_to,root_post,is_reply_owned_by_me"
POSTS_PER_POLL = 10


@register
class ThreadsAdapter(MetaWebhook):
    kind = "threads"
    label = "Threads"
    polls = False  # webhooks are the main way in; poll() is there to catch up without them
    credential_fields = META_CREDENTIALS + [("access_token", "Zugriffstoken")]
    setting_fields = [("user_id", "Threads-Nutzer-ID"), ("username", "Benutzername des Kontos"),
                      ("api_base", "API-Adresse (Standard: https://graph.threads.net/v1.0)")]

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        data = load_object(body)
        values = data.get("values")
        items = dicts(values) if isinstance(values, list) else [obj(values)]
        own = (channel.settings or {}).get("username", "")
        replies = [_reply(obj(item.get("value")), own) for item in items if item.get("field") == "replies"]
        return ParseResult(messages=[m for m in replies if m])

    def send(self, channel, reply) -> str:
        if not reply.in_reply_to:
            raise DeliveryError("Kein Beitrag zum Beantworten gefunden", permanent=True)
        base, bearer, user = api_base(channel, API), token(channel), self._user(channel)
        container = call("POST", f"{base}/{user}/threads", bearer,
                         data={"media_type": "TEXT", "text": reply.text, "reply_to_id": reply.in_reply_to})
        if not container.get("id"):
            raise DeliveryError(f"Threads hat keinen Container angelegt: {str(container)[:200]}")
        published = call("POST", f"{base}/{user}/threads_publish", bearer, data={"creation_id": container["id"]})
        if not published.get("id"):
            raise DeliveryError(f"Threads hat keine ID zurückgegeben, bitte dort prüfen: {str(published)[:200]}",
                                permanent=True)
        return str(published["id"])

    def poll(self, channel, cursor: dict) -> tuple[list[bytes], dict]:
        """Replies to the account's latest posts newer than cursor['since'], as webhook-shaped bodies."""
        base, bearer, user = api_base(channel, API), token(channel), self._user(channel)
        posts = call("GET", f"{base}/{user}/threads", bearer, params={"fields": "id", "limit": POSTS_PER_POLL})
        since = (cursor or {}).get("since", "")
        newest, bodies = since, []
        for post in dicts(posts.get("data")):
            found = call("GET", f"{base}/{post.get('id')}/conversation", bearer,
                         params={"fields": REPLY_FIELDS, "reverse": "false"})
            for item in dicts(found.get("data")):
                stamp = _sortable(item.get("timestamp"))
                if item.get("is_reply_owned_by_me") or not stamp or stamp <= since:
                    continue
                item.setdefault("root_post", {"id": str(post.get("id"))})
                bodies.append(json.dumps({"values": [{"field": "replies", "value": item}]}).encode())
                newest = max(newest, stamp)
        return bodies, {**(cursor or {}), "since": newest}

    def test_connection(self, channel) -> str:
        def check() -> str:
            me = call("GET", f"{api_base(channel, API)}/me", token(channel), params={"fields": "id,username"})
            return f"Verbindung erfolgreich: @{me.get('username', '')}"

        return connection_message(check)

    def _user(self, channel) -> str:
        return (channel.settings or {}).get("user_id") or "me"


def _reply(value: dict, own_username: str) -> InboundMessage | None:
    username = text_of(value.get("username"))
    if not value.get("id") or not username or username == own_username:
        return None
    root = str(obj(value.get("root_post")).get("id", "")) or str(obj(value.get("replied_to")).get("id", ""))
    return InboundMessage(
        external_id=str(value["id"]), text=text_of(value.get("text")), author_id=username,
        author_handle=f"@{username}", thread_key=f"post:{root}",
        parent_external_id=str(obj(value.get("replied_to")).get("id", "")), is_public=True,
        sent_at=from_iso(value.get("timestamp")),
    )


def _sortable(stamp) -> str:
    """A UTC ISO string that compares in time order, whatever offset the API wrote."""
    moment = from_iso(stamp)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment else ""
