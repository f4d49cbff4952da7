"""Bluesky (AT Protocol): mentions and replies are polled; answers are posts with correct reply refs.

Session: com.atproto.server.createSession (handle + app password), refreshed with refreshSession.
Inbound: app.bsky.notification.listNotifications (newest first; its cursor pages to older ones).
Outbound: com.atproto.repo.createRecord of an app.bsky.feed.post with reply.root and reply.parent, under a
record key derived from our message, so a post sent twice is refused the second time; getRecord finds it.
"""

from __future__ import annotations

import json
import threading
import unicodedata

from inbox.channels import http, known
from inbox.channels.adapters import register
from inbox.channels.adapters.base import ChannelAdapter, DeliveryError, InboundMessage, ParseResult, PayloadError
from inbox.channels.adapters.common import api_base, connection_message, credential, from_iso, load_object
from inbox.core import clock

DEFAULT_BASE = "https://bsky.social"
REASONS = ("mention", "reply")
PAGE_SIZE = 50
MAX_PAGES = 20
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, as the AT Protocol's TIDs use
# Sessions live in the worker process; a new process logs in again (createSession).
_sessions: dict[tuple, dict] = {}
_sessions_lock = threading.Lock()


@register
class BlueskyAdapter(ChannelAdapter):
    kind = "bluesky"
    label = "Bluesky"
    polls = True
    credential_fields = [("identifier", "Handle oder E-Mail des Kontos"), ("app_password", "App-Passwort")]
    setting_fields = [("api_base", "Server-Adresse (Standard https://bsky.social)"),
                      ("poll_interval_seconds", "Abrufintervall in Sekunden (Standard 60)")]

    def poll(self, channel, cursor: dict) -> tuple[list[bytes], dict]:
        last = from_iso(cursor.get("indexed_at"))
        seen = set(cursor.get("seen") or [])
        found = _fetch_newer(channel, last, seen)
        found.sort(key=lambda n: from_iso(n.get("indexedAt")) or clock.now())
        return [json.dumps(n).encode() for n in found], _next_cursor(cursor, found)

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        notification = load_object(body)
        record = notification.get("record")
        if notification.get("reason") not in REASONS or not isinstance(record, dict):
            return ParseResult()
        if record.get("$type", "app.bsky.feed.post") != "app.bsky.feed.post":
            return ParseResult()
        return ParseResult(messages=[_message(notification, record)])

    def send(self, channel, reply) -> str:
        _check_length(reply.text)
        refs = _reply_refs(channel, reply.in_reply_to)
        session = _session(channel)
        record = {"$type": "app.bsky.feed.post", "text": reply.text, "reply": refs, "langs": ["de"],
                  "createdAt": clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        body = {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record}
        rkey = record_key(reply)
        if not rkey:
            return _xrpc(channel, "POST", "com.atproto.repo.createRecord", json=body).json()["uri"]
        try:
            return _xrpc(channel, "POST", "com.atproto.repo.createRecord", json={**body, "rkey": rkey}).json()["uri"]
        except DeliveryError:
            # Sent before (its answer lost): the record key is taken and the create refused. That post is ours.
            if found := _own_post(channel, rkey, reply.text):
                return found
            raise

    def find_delivered(self, channel, reply) -> str | None:
        """Our post under the reply's own record key, if it exists; without a key we cannot tell."""
        rkey = record_key(reply)
        if not rkey:
            return super().find_delivered(channel, reply)
        return _own_post(channel, rkey, reply.text, quiet=False)

    def test_connection(self, channel) -> str:
        def check():
            with _sessions_lock:
                _sessions.pop(_session_key(channel), None)
            return f"Verbunden als @{_session(channel)['handle']}"

        return connection_message(check)


def record_key(reply) -> str:
    """The reply's post's record key, the same on every attempt: a TID (as app.bsky.feed.post requires) of the
    time the editor wrote it, its clock bits from our message id. A second create with it is refused."""
    created_at = reply.extra.get("created_at")
    if not reply.message_id or created_at is None:
        return ""
    micros = int(created_at.timestamp()) * 1_000_000 + created_at.microsecond
    value = (micros & ((1 << 53) - 1)) << 10 | reply.message_id % 1024
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def _own_post(channel, rkey: str, text: str, *, quiet: bool = True) -> str | None:
    """The URI of our post with this text under rkey, or None when there is none (quiet: also when looking
    failed). The text is compared too, so that no other post could ever pass for this reply."""
    params = {"repo": _session(channel)["did"], "collection": "app.bsky.feed.post", "rkey": rkey}
    try:
        found = _xrpc(channel, "GET", "com.atproto.repo.getRecord", params=params).json()
    except DeliveryError as exc:
        if quiet or "RecordNotFound" in str(exc):
            return None
        raise
    return found.get("uri") if (found.get("value") or {}).get("text") == text else None


def _fetch_newer(channel, last, seen: set[str]) -> list[dict]:
    """Mentions and replies indexed since the cursor; on the first poll only the latest page."""
    found: dict[str, dict] = {}
    page_cursor = None
    for _page in range(MAX_PAGES):
        params = {"limit": PAGE_SIZE, "reasons": list(REASONS), "cursor": page_cursor}
        data = _xrpc(channel, "GET", "app.bsky.notification.listNotifications",
                     params={k: v for k, v in params.items() if v}).json()
        notifications = data.get("notifications") or []
        reached_old = False
        for item in notifications:
            if _already_read(item, last, seen):
                reached_old = True
            elif item.get("reason") in REASONS and item.get("uri"):
                found[item["uri"]] = item
        page_cursor = data.get("cursor")
        if reached_old or last is None or not page_cursor or not notifications:
            break
    return list(found.values())


def _already_read(item: dict, last, seen: set[str]) -> bool:
    moment = from_iso(item.get("indexedAt"))
    if last is None or moment is None:
        return False
    return moment < last or (moment == last and item.get("uri") in seen)


def _next_cursor(cursor: dict, found: list[dict]) -> dict:
    if not found:
        return dict(cursor)
    newest = max(from_iso(n.get("indexedAt")) or clock.now() for n in found)
    same = {n["uri"] for n in found if from_iso(n.get("indexedAt")) == newest}
    if from_iso(cursor.get("indexed_at")) == newest:
        same |= set(cursor.get("seen") or [])
    return {**cursor, "indexed_at": newest.isoformat(), "seen": sorted(same)}


def _message(notification: dict, record: dict) -> InboundMessage:
    author = notification.get("author") or {}
    uri = notification.get("uri")
    if not uri or not author.get("did"):
        raise PayloadError("notification without uri or author did")
    reply = record.get("reply") or {}
    root_uri = (reply.get("root") or {}).get("uri") or uri
    return InboundMessage(
        external_id=uri, text=str(record.get("text") or ""), author_id=author["did"],
        author_handle=author.get("handle", ""), author_name=author.get("displayName", ""),
        thread_key=root_uri, parent_external_id=(reply.get("parent") or {}).get("uri", ""), is_public=True,
        attachments=_attachments(record.get("embed") or {}), sent_at=from_iso(record.get("createdAt")),
    )


def _attachments(embed: dict) -> list[dict]:
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    if embed.get("$type") == "app.bsky.embed.external":
        external = embed.get("external") or {}
        return [{"type": "link", "url": external.get("uri", ""), "name": external.get("title", "")}]
    items = []
    for image in embed.get("images") or []:
        blob = image.get("image") or {}
        items.append({"type": blob.get("mimeType", "image"), "name": image.get("alt", ""),
                      "size": blob.get("size"), "cid": (blob.get("ref") or {}).get("$link", "")})
    return items


def _reply_refs(channel, parent_uri: str) -> dict:
    """root: the thread's first post (the citizen post's own reply.root, else the post); parent: the post."""
    if not parent_uri:
        raise DeliveryError("Kein Bluesky-Beitrag, auf den geantwortet werden kann", permanent=True)
    post = _stored_post(channel, parent_uri) or _fetched_post(channel, parent_uri)
    parent = {"uri": post["uri"], "cid": post["cid"]}
    root = (post.get("record") or {}).get("reply", {}).get("root") or parent
    return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}


def _stored_post(channel, uri: str) -> dict | None:
    body = known.inbound_body(channel, uri)
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if data.get("uri") == uri and data.get("cid") else None


def _fetched_post(channel, uri: str) -> dict:
    posts = _xrpc(channel, "GET", "app.bsky.feed.getPosts", params={"uris": [uri]}).json().get("posts") or []
    if not posts:
        raise DeliveryError("Der Bluesky-Beitrag, auf den geantwortet werden soll, existiert nicht mehr",
                            permanent=True)
    return posts[0]


def grapheme_count(text: str) -> int:
    """Approximate user-perceived characters: combining marks, joiners, variation selectors and skin tones
    attach to the character before them; a pair of regional indicators is one flag."""
    count, after_joiner, open_flag = 0, False, False
    for char in text:
        code = ord(char)
        attaches = (unicodedata.combining(char) or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF
                    or code == 0x200D or after_joiner)
        flag = 0x1F1E6 <= code <= 0x1F1FF
        if flag and open_flag:
            attaches, open_flag = True, False
        elif flag:
            open_flag = not attaches
        else:
            open_flag = False
        after_joiner = code == 0x200D
        count += 0 if attaches else 1
    return count


def _check_length(text: str) -> None:
    graphemes = grapheme_count(text)
    if graphemes > MAX_GRAPHEMES or len(text.encode()) > MAX_BYTES:
        raise DeliveryError(f"Die Antwort hat {graphemes} Zeichen; Bluesky erlaubt höchstens {MAX_GRAPHEMES}. "
                            "Bitte kürzen.", permanent=True)


def _session_key(channel) -> tuple:
    return channel.id, api_base(channel, DEFAULT_BASE), (channel.credentials or {}).get("identifier", "")


def _session(channel) -> dict:
    with _sessions_lock:
        session = _sessions.get(_session_key(channel))
    return session or _create_session(channel)


def _create_session(channel) -> dict:
    identifier = credential(channel, "identifier", "Das Bluesky-Handle")
    body = {"identifier": identifier, "password": credential(channel, "app_password", "Das App-Passwort")}
    data = http.request("POST", f"{api_base(channel, DEFAULT_BASE)}/xrpc/com.atproto.server.createSession",
                        json=body).json()
    return _remember(channel, data, identifier)


def _refresh_session(channel, session: dict) -> dict:
    try:
        data = http.request("POST", f"{api_base(channel, DEFAULT_BASE)}/xrpc/com.atproto.server.refreshSession",
                            headers={"Authorization": f"Bearer {session['refreshJwt']}"}).json()
    except DeliveryError as exc:
        if not exc.permanent:
            raise
        return _create_session(channel)
    return _remember(channel, data, session["identifier"])


def _remember(channel, data: dict, identifier: str) -> dict:
    session = {"accessJwt": data["accessJwt"], "refreshJwt": data["refreshJwt"], "did": data["did"],
               "handle": data.get("handle", identifier), "identifier": identifier}
    with _sessions_lock:
        _sessions[_session_key(channel)] = session
    return session


def _xrpc(channel, method: str, nsid: str, **kwargs):
    """One call with the session's token; an expired token is refreshed once and the call repeated."""
    url = f"{api_base(channel, DEFAULT_BASE)}/xrpc/{nsid}"
    session = _session(channel)
    try:
        return http.request(method, url, headers={"Authorization": f"Bearer {session['accessJwt']}"}, **kwargs)
    except DeliveryError as exc:
        if not _token_expired(exc):
            raise
    session = _refresh_session(channel, session)
    return http.request(method, url, headers={"Authorization": f"Bearer {session['accessJwt']}"}, **kwargs)


def _token_expired(exc: DeliveryError) -> bool:
    message = str(exc)
    return exc.permanent and ("ExpiredToken" in message or "InvalidToken" in message or message.startswith("HTTP 401"))
