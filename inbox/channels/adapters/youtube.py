"""YouTube: comment threads on the city's channel and videos are polled; replies via comments.insert.

Inbound: GET /youtube/v3/commentThreads?part=snippet,replies&allThreadsRelatedToChannelId=...&order=time
(newest threads first); a thread with more replies than the answer carries is completed with
GET /youtube/v3/comments?parentId=.... Outbound: POST /youtube/v3/comments?part=snippet with
snippet.parentId (the thread's top-level comment) and snippet.textOriginal; OAuth access token,
renewed with the refresh token when Google answers 401. After a lost answer, the thread's replies
(comments?parentId=...) show whether ours is there; YouTube takes no idempotency key.
"""

from __future__ import annotations

import json
import threading

from inbox.channels import http, known
from inbox.channels.adapters import register
from inbox.channels.adapters.base import (
    CannotTell,
    ChannelAdapter,
    DeliveryError,
    InboundMessage,
    ParseResult,
    PayloadError,
)
from inbox.channels.adapters.common import api_base, connection_message, from_iso, load_object, posted_since_written
from inbox.channels.htmltext import html_to_text
from inbox.core import clock

DEFAULT_BASE = "https://www.googleapis.com"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 3
MAX_TEXT = 10000
LOOKUP_PAGES = 10  # pages of a thread's replies read to find a reply whose answer was lost
_tokens: dict[tuple, str] = {}
_tokens_lock = threading.Lock()


@register
class YouTubeAdapter(ChannelAdapter):
    kind = "youtube"
    label = "YouTube"
    polls = True
    credential_fields = [("access_token", "OAuth-Zugangstoken"), ("refresh_token", "OAuth-Refresh-Token"),
                         ("client_id", "OAuth-Client-ID"), ("client_secret", "OAuth-Client-Secret"),
                         ("api_key", "API-Schlüssel (nur Lesen, wenn kein Token)")]
    setting_fields = [("youtube_channel_id", "Kanal-ID (UC…)"),
                      ("api_base", "API-Adresse (Standard https://www.googleapis.com)"),
                      ("max_pages", "Seiten je Abruf (Standard 3)"),
                      ("poll_interval_seconds", "Abrufintervall in Sekunden (Standard 60)")]

    def poll(self, channel, cursor: dict) -> tuple[list[bytes], dict]:
        last = from_iso(cursor.get("published_at"))
        seen = set(cursor.get("seen") or [])
        items = [item for item in _recent_comments(channel, last) if _is_new(item["comment"], last, seen)]
        items.sort(key=lambda item: _published(item["comment"]))
        return [json.dumps(item).encode() for item in items], _next_cursor(cursor, items)

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        data = load_object(body)
        comment, thread = data.get("comment"), data.get("thread") or {}
        if not isinstance(comment, dict) or comment.get("kind", "youtube#comment") != "youtube#comment":
            return ParseResult()
        snippet = comment.get("snippet") or {}
        author = (snippet.get("authorChannelId") or {}).get("value", "")
        if author and author == _own_channel_id(channel):
            return ParseResult()  # our own reply, read back
        return ParseResult(messages=[_message(comment, snippet, author, thread)])

    def send(self, channel, reply) -> str:
        parent = reply.extra.get("parent") or reply.thread_key or reply.in_reply_to
        if not parent:
            raise DeliveryError("Kein YouTube-Kommentar, auf den geantwortet werden kann", permanent=True)
        if len(reply.text) > MAX_TEXT:
            raise DeliveryError(f"Die Antwort ist zu lang für YouTube (höchstens {MAX_TEXT} Zeichen)", permanent=True)
        body = {"snippet": {"parentId": parent, "textOriginal": reply.text}}
        response = _call(channel, "POST", "/youtube/v3/comments", params={"part": "snippet"}, json=body,
                         write=True)
        return str(response.json()["id"])

    def find_delivered(self, channel, reply) -> str | None:
        """Our comment with the reply's text among the thread's replies, posted since the editor wrote it and not
        one we hold for another reply (textOriginal is shown to its author, which we are)."""
        parent = reply.extra.get("parent") or reply.thread_key or reply.in_reply_to
        own = _own_channel_id(channel)
        if not parent or not own:
            return super().find_delivered(channel, reply)
        params = {"part": "snippet", "parentId": parent, "maxResults": PAGE_SIZE, "textFormat": "plainText"}
        for _page in range(LOOKUP_PAGES):
            data = _call(channel, "GET", "/youtube/v3/comments", params=params).json()
            ours = [c["id"] for c in data.get("items") or [] if c.get("id") and _is_our_reply(c, own, reply)]
            held = known.stored_ids(channel, ours)
            if found := next((comment_id for comment_id in ours if comment_id not in held), None):
                return found
            if not data.get("nextPageToken"):
                return None
            params = {**params, "pageToken": data["nextPageToken"]}
        raise CannotTell("YouTube: zu viele Antworten im Kommentar-Thread, um nachzusehen")

    def test_connection(self, channel) -> str:
        def check():
            params = {"part": "snippet", "id": _own_channel_id(channel)}
            items = _call(channel, "GET", "/youtube/v3/channels", params=params).json().get("items") or []
            if not items:
                return "Verbindung steht, aber die Kanal-ID wurde nicht gefunden"
            return f"Verbunden mit dem Kanal „{items[0]['snippet']['title']}“"

        return connection_message(check)


def _is_our_reply(comment: dict, own: str, reply) -> bool:
    snippet = comment.get("snippet") or {}
    return ((snippet.get("authorChannelId") or {}).get("value") == own
            and (snippet.get("textOriginal") or "").strip() == reply.text.strip()
            and posted_since_written(snippet.get("publishedAt"), reply))


def _own_channel_id(channel) -> str:
    return ((channel.settings or {}).get("youtube_channel_id") or "").strip()


def _published(comment: dict):
    return from_iso((comment.get("snippet") or {}).get("publishedAt")) or clock.now()


def _is_new(comment: dict, last, seen: set[str]) -> bool:
    if last is None:
        return True
    moment = _published(comment)
    return moment > last or (moment == last and comment.get("id") not in seen)


def _recent_comments(channel, last) -> list[dict]:
    """Comments (top-level and replies) of the newest threads; stops at threads older than the cursor."""
    own = _own_channel_id(channel)
    if not own:
        raise DeliveryError("Keine YouTube-Kanal-ID eingetragen", permanent=True)
    found, token = [], None
    for _page in range(_max_pages(channel)):
        params = {"part": "snippet,replies", "allThreadsRelatedToChannelId": own, "order": "time",
                  "maxResults": PAGE_SIZE, "textFormat": "plainText", "pageToken": token}
        params = {k: v for k, v in params.items() if v}
        data = _call(channel, "GET", "/youtube/v3/commentThreads", params=params).json()
        threads = data.get("items") or []
        for thread in threads:
            found.extend(_thread_comments(channel, thread))
        token = data.get("nextPageToken")
        if last is None or not token or not threads or any(_thread_time(t) < last for t in threads):
            break
    return found


def _thread_time(thread: dict):
    return _published((thread.get("snippet") or {}).get("topLevelComment") or {})


def _thread_comments(channel, thread: dict) -> list[dict]:
    snippet = thread.get("snippet") or {}
    top = snippet.get("topLevelComment")
    header = {"id": thread.get("id"), "snippet": {k: v for k, v in snippet.items() if k != "topLevelComment"}}
    replies = (thread.get("replies") or {}).get("comments") or []
    if int(snippet.get("totalReplyCount") or 0) > len(replies):
        replies = _all_replies(channel, thread.get("id"))
    return [{"thread": header, "comment": c} for c in ([top] if top else []) + replies if c.get("id")]


def _all_replies(channel, parent_id: str) -> list[dict]:
    params = {"part": "snippet", "parentId": parent_id, "maxResults": PAGE_SIZE, "textFormat": "plainText"}
    return _call(channel, "GET", "/youtube/v3/comments", params=params).json().get("items") or []


def _max_pages(channel) -> int:
    try:
        return max(1, int((channel.settings or {}).get("max_pages") or DEFAULT_MAX_PAGES))
    except (TypeError, ValueError):
        return DEFAULT_MAX_PAGES


def _next_cursor(cursor: dict, items: list[dict]) -> dict:
    if not items:
        return dict(cursor)
    newest = max(_published(i["comment"]) for i in items)
    same = {i["comment"]["id"] for i in items if _published(i["comment"]) == newest}
    if from_iso(cursor.get("published_at")) == newest:
        same |= set(cursor.get("seen") or [])
    return {**cursor, "published_at": newest.isoformat(), "seen": sorted(same)}


def _message(comment: dict, snippet: dict, author: str, thread: dict) -> InboundMessage:
    thread_id = thread.get("id") or snippet.get("parentId") or comment.get("id")
    if not comment.get("id") or not thread_id:
        raise PayloadError("comment without id")
    text = snippet.get("textOriginal") or html_to_text(snippet.get("textDisplay") or "")
    video = snippet.get("videoId") or (thread.get("snippet") or {}).get("videoId", "")
    return InboundMessage(
        external_id=comment["id"], text=text, author_id=author or snippet.get("authorDisplayName", ""),
        author_handle=snippet.get("authorDisplayName", ""), author_name=snippet.get("authorDisplayName", ""),
        thread_key=thread_id, parent_external_id=snippet.get("parentId", ""), is_public=True,
        subject=f"YouTube-Kommentar zu Video {video}" if video else "", sent_at=from_iso(snippet.get("publishedAt")),
    )


def _call(channel, method: str, path: str, *, write: bool = False, **kwargs):
    """An API call with the OAuth token (renewed once on 401), or the API key for reading."""
    url = f"{api_base(channel, DEFAULT_BASE)}{path}"
    creds = channel.credentials or {}
    token = _token(channel)
    if not token:
        if write or not creds.get("api_key"):
            raise DeliveryError("Kein OAuth-Zugangstoken für YouTube eingetragen", permanent=True)
        kwargs["params"] = {**kwargs.get("params", {}), "key": creds["api_key"]}
        return http.request(method, url, **kwargs)
    try:
        return http.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    except DeliveryError as exc:
        if not (exc.permanent and str(exc).startswith("HTTP 401") and creds.get("refresh_token")):
            raise
    return http.request(method, url, headers={"Authorization": f"Bearer {_renew(channel)}"}, **kwargs)


def _token_key(channel) -> tuple:
    return channel.id, _token_url(channel), (channel.credentials or {}).get("refresh_token", "")


def _token_url(channel) -> str:
    return (channel.settings or {}).get("token_url") or DEFAULT_TOKEN_URL


def _token(channel) -> str:
    with _tokens_lock:
        renewed = _tokens.get(_token_key(channel))
    return renewed or (channel.credentials or {}).get("access_token", "")


def _renew(channel) -> str:
    creds = channel.credentials or {}
    form = {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
            "client_id": creds.get("client_id", ""), "client_secret": creds.get("client_secret", "")}
    token = http.request("POST", _token_url(channel), data=form).json()["access_token"]
    with _tokens_lock:
        _tokens[_token_key(channel)] = token
    return token
