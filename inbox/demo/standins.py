"""Loopback stand-ins of every platform the demo's channels talk to, and what each of them received.

One loopback server answers all platform APIs under a prefix per channel kind (`/facebook`,
`/x`, `/mastodon`, ...). The send endpoints answer as the platforms document them, with ids in
the platform's shape (Graph API message ids `m_...`, Instagram ids, tweet snowflakes, WhatsApp
`wamid.`, AT-URIs, YouTube reply ids `parent.suffix`); reading endpoints (polls, connection
tests) answer with the account and nothing new. Every send is kept as an `Outgoing` item for the
"Demo-Postausgang" page; mail goes to the SMTP sink (mailsink.py).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from dataclasses import dataclass
from datetime import datetime

from inbox.core import clock
from inbox.demo.loopback import LoopbackAPI, Received, Reply
from inbox.demo.mailsink import IMAPStandIn, SMTPSink

HTTP_KINDS = ("facebook", "instagram", "x", "mastodon", "bluesky", "threads", "youtube", "whatsapp")
OWN_DID = "did:plc:rheinfeld4demo7stadt2x5y"
OWN_HANDLE = "stadt-rheinfeld.bsky.social"


@dataclass
class Outgoing:
    """One send a platform's stand-in received: to whom, what, and the id it answered with."""

    kind: str
    at: datetime
    action: str
    recipient: str
    text: str
    answered_id: str


def digits(count: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (count - 1)) + 10 ** (count - 1))


def cid_for(uri: str) -> str:
    """A stable CIDv1-looking content id (base32, 'bafyrei' prefix) for a post the stand-in is asked about."""
    return "bafyrei" + base64.b32encode(hashlib.sha256(uri.encode()).digest()).decode().lower().rstrip("=")[:52]


class StandIns:
    """The running stand-ins: one HTTP loopback for the platforms, an SMTP sink and an empty IMAP box."""

    def __init__(self):
        self.http = LoopbackAPI()
        self.smtp = SMTPSink()
        self.imap = IMAPStandIn()
        self._sent: list[Outgoing] = []
        for kind in HTTP_KINDS:
            getattr(self, f"_{kind}")(f"/{kind}")

    def start(self) -> StandIns:
        self.http.start()
        self.smtp.start()
        self.imap.start()
        return self

    def stop(self) -> None:
        self.http.stop()
        self.smtp.stop()
        self.imap.stop()

    def base(self, kind: str) -> str:
        return f"{self.http.url}/{kind}"

    def sent(self, kind: str | None = None) -> list[Outgoing]:
        """What the platform stand-ins received, newest (last arrived) first."""
        return [o for o in reversed(list(self._sent)) if kind is None or o.kind == kind]

    def _keep(self, kind: str, action: str, recipient: str, text: str, answered_id: str) -> str:
        self._sent.append(Outgoing(kind, clock.now(), action, recipient, text, answered_id))
        return answered_id

    # --- Meta: Facebook Page and Instagram (Graph API) ---------------------------------------------

    def _facebook(self, p: str) -> None:
        def message(req: Received) -> dict:
            data = req.json or {}
            recipient = str((data.get("recipient") or {}).get("id", ""))
            mid = self._keep("facebook", "Messenger-Nachricht", recipient, (data.get("message") or {}).get("text", ""),
                             "m_" + secrets.token_urlsafe(48))
            return {"recipient_id": recipient, "message_id": mid}

        def comment(req: Received) -> dict:
            target = req.params["object_id"]
            # A comment id is "<post or parent id>_<number>".
            cid = self._keep("facebook", "Antwort auf Kommentar", target, (req.json or {}).get("message", ""),
                             f"{target.split('_')[0]}_{digits(16)}")
            return {"id": cid}

        self.http.route("POST", p + "/{account}/messages", message)
        self.http.route("POST", p + "/{object_id}/comments", comment)
        self.http.route("GET", p + "/me", {"id": "104857600123456", "name": "Stadt Rheinfeld"})

    def _instagram(self, p: str) -> None:
        def message(req: Received) -> dict:
            data = req.json or {}
            recipient = str((data.get("recipient") or {}).get("id", ""))
            raw = f"ig_item:1:IGMessageThread:{digits(17)}:{digits(39)}".encode()
            mid = self._keep("instagram", "Direktnachricht", recipient, (data.get("message") or {}).get("text", ""),
                             base64.b64encode(raw).decode().rstrip("="))
            return {"recipient_id": recipient, "message_id": mid}

        def reply(req: Received) -> dict:
            return {"id": self._keep("instagram", "Antwort auf Kommentar", req.params["comment_id"],
                                     (req.json or {}).get("message", ""), "17" + digits(15))}

        self.http.route("POST", p + "/{account}/messages", message)
        self.http.route("POST", p + "/{comment_id}/replies", reply)
        self.http.route("GET", p + "/me", {"id": "17841400000000001", "username": "stadt.rheinfeld"})

    # --- X (API v2) ----------------------------------------------------------------------------------

    def _x(self, p: str) -> None:
        def dm(req: Received) -> Reply:
            recipient = req.params["participant_id"]
            event = self._keep("x", "Direktnachricht", recipient, (req.json or {}).get("text", ""), digits(19))
            return Reply(201, {"data": {"dm_conversation_id": f"1500000000000000001-{recipient}",
                                        "dm_event_id": event}})

        def tweet(req: Received) -> Reply:
            data = req.json or {}
            parent = str((data.get("reply") or {}).get("in_reply_to_tweet_id", ""))
            tweet_id = self._keep("x", "Antwort-Post", parent, data.get("text", ""), digits(19))
            return Reply(201, {"data": {"id": tweet_id, "text": data.get("text", ""),
                                        "edit_history_tweet_ids": [tweet_id]}})

        self.http.route("POST", p + "/2/dm_conversations/with/{participant_id}/messages", dm)
        self.http.route("POST", p + "/2/tweets", tweet)
        self.http.route("GET", p + "/2/users/me",
                        {"data": {"id": "1500000000000000001", "name": "Stadt Rheinfeld",
                                  "username": "StadtRheinfeld"}})

    # --- Mastodon ------------------------------------------------------------------------------------

    def _mastodon(self, p: str) -> None:
        account = {"id": "109000000000000001", "username": "stadt", "acct": "stadt",
                   "display_name": "Stadt Rheinfeld", "url": "https://rheinfeld.social/@stadt"}

        def status(req: Received) -> dict:
            data = req.json or {}
            status_id = self._keep("mastodon", f"Beitrag ({data.get('visibility', 'public')})",
                                   str(data.get("in_reply_to_id") or ""), data.get("status", ""), digits(18))
            created = clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
            return {"id": status_id, "created_at": created,
                    "in_reply_to_id": data.get("in_reply_to_id"), "visibility": data.get("visibility", "public"),
                    "uri": f"https://rheinfeld.social/users/stadt/statuses/{status_id}",
                    "url": f"https://rheinfeld.social/@stadt/{status_id}",
                    "content": f"<p>{html.escape(data.get('status', ''))}</p>",
                    "account": account, "media_attachments": [], "mentions": []}

        self.http.route("POST", p + "/api/v1/statuses", status)
        self.http.route("GET", p + "/api/v1/notifications", Reply(body=[]))
        self.http.route("GET", p + "/api/v1/accounts/verify_credentials", account)

    # --- Bluesky (AT Protocol XRPC) ------------------------------------------------------------------

    def _bluesky(self, p: str) -> None:
        session = {"did": OWN_DID, "handle": OWN_HANDLE, "email": "social@rheinfeld.example",
                   "accessJwt": "demo-access." + secrets.token_urlsafe(24),
                   "refreshJwt": "demo-refresh." + secrets.token_urlsafe(24), "active": True}

        def posts(req: Received) -> dict:
            found = []
            for uri in req.query.get("uris", []):
                found.append({"uri": uri, "cid": cid_for(uri),
                              "author": {"did": uri.removeprefix("at://").split("/")[0], "handle": ""},
                              "record": {"$type": "app.bsky.feed.post", "text": "", "createdAt": ""}})
            return {"posts": found}

        def create(req: Received) -> dict:
            record = (req.json or {}).get("record") or {}
            parent = ((record.get("reply") or {}).get("parent") or {}).get("uri", "")
            uri = f"at://{OWN_DID}/app.bsky.feed.post/3l{secrets.token_hex(6)}"
            self._keep("bluesky", "Antwort-Post", parent, record.get("text", ""), uri)
            return {"uri": uri, "cid": cid_for(uri), "validationStatus": "valid",
                    "commit": {"cid": cid_for(uri + "#commit"), "rev": "3l" + secrets.token_hex(6)}}

        self.http.route("POST", p + "/xrpc/com.atproto.server.createSession", session)
        self.http.route("POST", p + "/xrpc/com.atproto.server.refreshSession", session)
        self.http.route("GET", p + "/xrpc/app.bsky.notification.listNotifications", {"notifications": []})
        self.http.route("GET", p + "/xrpc/app.bsky.feed.getPosts", posts)
        self.http.route("POST", p + "/xrpc/com.atproto.repo.createRecord", create)

    # --- Threads (two-step publishing) ---------------------------------------------------------------

    def _threads(self, p: str) -> None:
        containers: dict[str, dict] = {}

        def container(req: Received) -> dict:
            container_id = "17" + digits(15)
            containers[container_id] = req.form
            return {"id": container_id}

        def publish(req: Received) -> Reply:
            form = containers.pop(req.form.get("creation_id", ""), None)
            if form is None:
                return Reply(400, {"error": {"message": "Invalid creation_id", "type": "OAuthException",
                                             "code": 100}})
            return Reply(body={"id": self._keep("threads", "Antwort", form.get("reply_to_id", ""),
                                                form.get("text", ""), "18" + digits(15))})

        self.http.route("POST", p + "/{user}/threads", container)
        self.http.route("POST", p + "/{user}/threads_publish", publish)
        self.http.route("GET", p + "/{user}/threads", {"data": []})
        self.http.route("GET", p + "/me", {"id": "26000000000000001", "username": "stadt.rheinfeld"})

    # --- YouTube Data API v3 -------------------------------------------------------------------------

    def _youtube(self, p: str) -> None:
        def comment(req: Received) -> dict:
            snippet = (req.json or {}).get("snippet") or {}
            parent = snippet.get("parentId", "")
            reply_id = self._keep("youtube", "Antwort auf Kommentar", parent, snippet.get("textOriginal", ""),
                                  f"{parent}.{secrets.token_urlsafe(16)[:22]}")
            return {"kind": "youtube#comment", "etag": secrets.token_urlsafe(20), "id": reply_id,
                    "snippet": {**snippet, "authorDisplayName": "Stadt Rheinfeld",
                                "publishedAt": clock.now().isoformat(timespec="seconds").replace("+00:00", "Z")}}

        self.http.route("POST", p + "/youtube/v3/comments", comment)
        self.http.route("GET", p + "/youtube/v3/commentThreads",
                        {"kind": "youtube#commentThreadListResponse", "items": [],
                         "pageInfo": {"totalResults": 0, "resultsPerPage": 100}})
        self.http.route("GET", p + "/youtube/v3/channels",
                        {"kind": "youtube#channelListResponse",
                         "items": [{"id": "UCrheinfeldDemo0000000001", "snippet": {"title": "Stadt Rheinfeld"}}]})
        self.http.route("POST", p + "/token", {"access_token": "ya29.demo-" + secrets.token_urlsafe(24),
                                               "expires_in": 3599, "token_type": "Bearer"})

    # --- WhatsApp Business Cloud API ----------------------------------------------------------------

    def _whatsapp(self, p: str) -> None:
        def message(req: Received) -> dict:
            data = req.json or {}
            to = str(data.get("to", ""))
            if data.get("type") == "template":
                text = f"Vorlage „{(data.get('template') or {}).get('name', '')}“"
            else:
                text = (data.get("text") or {}).get("body", "")
            raw = f"HBgN{to}FQIAERgS{secrets.token_hex(10).upper()}AA=="
            wamid = self._keep("whatsapp", "Chat-Nachricht", f"+{to}", text, "wamid." + raw)
            return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}]}

        self.http.route("POST", p + "/{phone_number_id}/messages", message)
        self.http.route("GET", p + "/{phone_number_id}",
                        {"display_phone_number": "+49 2345 678900", "verified_name": "Stadt Rheinfeld",
                         "id": "110000000000001"})

    # --- what the channels are told ------------------------------------------------------------------

    def channel_settings(self, kind: str) -> dict:
        """The settings that point a demo channel of this kind at its stand-in."""
        if kind in HTTP_KINDS:
            extra = {"token_url": f"{self.base('youtube')}/token"} if kind == "youtube" else {}
            return {"api_base": self.base(kind), **extra}
        smtp = {"smtp_host": "127.0.0.1", "smtp_port": str(self.smtp.port), "smtp_starttls": "nein"}
        if kind == "email":
            return {**smtp, "imap_host": "127.0.0.1", "imap_port": str(self.imap.port), "imap_security": "none"}
        return smtp if kind == "webform" else {}
