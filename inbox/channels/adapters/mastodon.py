"""Mastodon: mentions of the city's account (public and direct) are polled; replies are statuses.

API: GET /api/v1/notifications?types[]=mention (newest first; since_id and max_id page through
everything newer than the cursor), POST /api/v1/statuses with in_reply_to_id and visibility and an
Idempotency-Key; after a lost answer GET /api/v1/statuses/:id/context shows whether our reply is there.
"""

from __future__ import annotations

import json
import re

from inbox.channels import http, known
from inbox.channels.adapters import register
from inbox.channels.adapters.base import ChannelAdapter, DeliveryError, InboundMessage, ParseResult, PayloadError
from inbox.channels.adapters.common import (
    api_base,
    connection_message,
    credential,
    dicts,
    from_iso,
    id_order,
    load_object,
    obj,
    posted_since_written,
)
from inbox.channels.adapters.common import text as text_of
from inbox.channels.htmltext import html_to_text

PAGE_SIZE = 40
MAX_PAGES = 25
PUBLIC_VISIBILITIES = ("public", "unlisted")
DEFAULT_MAX_CHARS = 500
LEADING_MENTIONS = re.compile(r"^(?:@[\w.-]+(?:@[\w.-]+)?\s+)+")


@register
class MastodonAdapter(ChannelAdapter):
    kind = "mastodon"
    label = "Mastodon"
    polls = True
    credential_fields = [("access_token", "Zugangstoken")]
    setting_fields = [("api_base", "Server-Adresse (z. B. https://social.example.de)"),
                      ("max_chars", "Zeichen pro Beitrag (Standard 500)"),
                      ("poll_interval_seconds", "Abrufintervall in Sekunden (Standard 60)")]

    def poll(self, channel, cursor: dict) -> tuple[list[bytes], dict]:
        since = cursor.get("since_id") or None
        notifications = _fetch_newer(channel, since)
        notifications.sort(key=lambda n: id_order(str(n["id"])))
        newest = str(notifications[-1]["id"]) if notifications else since
        return [json.dumps(n).encode() for n in notifications], {**cursor, "since_id": newest}

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        notification = load_object(body)
        status = notification.get("status")
        if notification.get("type") != "mention" or not isinstance(status, dict):
            return ParseResult()
        return ParseResult(messages=[_message(channel, status)])

    def send(self, channel, reply) -> str:
        text = _status_text(reply)
        limit = int((channel.settings or {}).get("max_chars") or DEFAULT_MAX_CHARS)
        if len(text) > limit:
            raise DeliveryError(f"Die Antwort ist {len(text)} Zeichen lang; Mastodon erlaubt hier {limit}.",
                                permanent=True)
        payload = {"status": text, "in_reply_to_id": reply.in_reply_to or None,
                   "visibility": _visibility(channel, reply)}
        # Mastodon drops a repeated POST with the same key: a retry after a lost answer posts nothing twice.
        headers = {**_auth(channel), "Idempotency-Key": f"mitreden-reply-{reply.message_id}"}
        response = http.request("POST", f"{api_base(channel)}/api/v1/statuses", json=payload, headers=headers)
        return str(response.json()["id"])

    def find_delivered(self, channel, reply) -> str | None:
        """Our status with the reply's text among the answers to the citizen's status (or among our latest),
        one we do not hold for another reply. Not found, it is sent again: the Idempotency-Key still guards
        the hour Mastodon remembers it."""
        own = str(http.request("GET", f"{api_base(channel)}/api/v1/accounts/verify_credentials",
                               headers=_auth(channel)).json()["id"])
        if reply.in_reply_to:
            context = http.request("GET", f"{api_base(channel)}/api/v1/statuses/{reply.in_reply_to}/context",
                                   headers=_auth(channel)).json()
            statuses = dicts(obj(context).get("descendants"))
        else:
            statuses = dicts(http.request("GET", f"{api_base(channel)}/api/v1/accounts/{own}/statuses",
                                          params={"limit": PAGE_SIZE}, headers=_auth(channel)).json())
        wanted = _bare_text(_status_text(reply))
        ours = [str(st["id"]) for st in statuses if st.get("id") and _is_our_reply(st, own, reply, wanted)]
        held = known.stored_ids(channel, ours)
        return next((status_id for status_id in ours if status_id not in held), None)

    def test_connection(self, channel) -> str:
        def check():
            account = http.request("GET", f"{api_base(channel)}/api/v1/accounts/verify_credentials",
                                   headers=_auth(channel)).json()
            return f"Verbunden als @{account['acct']}"

        return connection_message(check)


def _is_our_reply(status: dict, own: str, reply, wanted: str) -> bool:
    return (str(obj(status.get("account")).get("id")) == own
            and str(status.get("in_reply_to_id") or "") == reply.in_reply_to
            and posted_since_written(status.get("created_at"), reply)
            and _bare_text(html_to_text(text_of(status.get("content")))) == wanted)


def _status_text(reply) -> str:
    """The status we post: the editor's text, addressed to the citizen."""
    acct = reply.recipient_handle.lstrip("@")
    return reply.text if not acct or reply.text.startswith(f"@{acct}") else f"@{acct} {reply.text}"


def _bare_text(text: str) -> str:
    """Text without its leading mentions and with plain spaces: Mastodon shows a remote @user@host as @user."""
    return " ".join(LEADING_MENTIONS.sub("", text.strip()).split())


def _auth(channel) -> dict:
    return {"Authorization": f"Bearer {credential(channel, 'access_token', 'Das Zugangstoken')}"}


def _fetch_newer(channel, since: str | None) -> list[dict]:
    """Every mention newer than since (all pages); on the first poll only the latest page."""
    url = f"{api_base(channel)}/api/v1/notifications"
    found: list[dict] = []
    max_id = None
    for _page in range(MAX_PAGES):
        params = {"types[]": ["mention"], "limit": PAGE_SIZE, "since_id": since, "max_id": max_id}
        page = http.request("GET", url, params={k: v for k, v in params.items() if v}, headers=_auth(channel)).json()
        if not isinstance(page, list):
            raise DeliveryError("Mastodon: unerwartete Antwort auf /api/v1/notifications")
        found.extend(n for n in page if isinstance(n, dict) and n.get("id"))
        if since is None or len(page) < PAGE_SIZE:
            break
        max_id = min((str(n["id"]) for n in page), key=id_order)
    return found


def _message(channel, status: dict) -> InboundMessage:
    account = status.get("account") or {}
    if not status.get("id") or not (account.get("id") or account.get("acct")):
        raise PayloadError("mention without status id or account")
    text = html_to_text(status.get("content") or "")
    if status.get("spoiler_text"):
        text = f"[Inhaltswarnung: {status['spoiler_text']}]\n{text}"
    parent = str(status.get("in_reply_to_id") or "")
    own_id = str(status["id"])
    return InboundMessage(
        external_id=own_id, text=text, author_id=str(account.get("id") or account.get("acct")),
        author_handle=account.get("acct", ""), author_name=account.get("display_name", ""),
        # A reply to something we hold continues that conversation; else the status it answers, or itself.
        thread_key=known.thread_key_of(channel, [parent]) or parent or own_id,
        parent_external_id=parent, is_public=status.get("visibility") in PUBLIC_VISIBILITIES,
        attachments=[_attachment(a) for a in status.get("media_attachments") or []],
        sent_at=from_iso(status.get("created_at")),
    )


def _attachment(media: dict) -> dict:
    return {"type": media.get("type", ""), "url": media.get("url") or media.get("remote_url") or "",
            "name": media.get("description") or "", "id": str(media.get("id", ""))}


def _visibility(channel, reply) -> str:
    """The citizen's own visibility: a direct message is answered directly, a public one in public."""
    body = known.inbound_body(channel, reply.in_reply_to)
    if body:
        try:
            visibility = json.loads(body)["status"]["visibility"]
        except (ValueError, KeyError, TypeError):
            visibility = None
        if visibility in ("public", "unlisted", "private", "direct"):
            return visibility
    return "public" if reply.is_public else "direct"
