"""E-mail: an IMAP mailbox is polled (UIDVALIDITY + last UID kept); replies go out by SMTP in the thread.

Threading follows Message-ID / In-Reply-To / References: a mail joins the conversation holding
any message it refers to, else its thread key is the root of its References chain.
"""

from __future__ import annotations

import hashlib
import imaplib
import re
import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from inbox.channels import known
from inbox.channels.adapters import register
from inbox.channels.adapters.base import ChannelAdapter, DeliveryError, InboundMessage, ParseResult, PayloadError
from inbox.channels.htmltext import html_to_text, sanitize_html
from inbox.channels.mail import check_smtp, send_reply_mail

BATCH = 200  # mails per poll; the rest follow on the next poll
MSGID = re.compile(r"<[^<>\s]+>")
AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")


@register
class EmailAdapter(ChannelAdapter):
    kind = "email"
    label = "E-Mail"
    polls = True
    credential_fields = [("imap_user", "IMAP-Benutzer"), ("imap_password", "IMAP-Passwort"),
                         ("smtp_user", "SMTP-Benutzer"), ("smtp_password", "SMTP-Passwort")]
    setting_fields = [("address", "E-Mail-Adresse des Postfachs"), ("imap_host", "IMAP-Server"),
                      ("imap_port", "IMAP-Port (Standard 993, bei STARTTLS/ohne 143)"),
                      ("imap_security", "IMAP-Verschlüsselung: ssl, starttls oder none"),
                      ("mailbox", "IMAP-Ordner (Standard INBOX)"), ("smtp_host", "SMTP-Server"),
                      ("smtp_port", "SMTP-Port"), ("smtp_starttls", "SMTP mit STARTTLS (ja/nein)"),
                      ("smtp_from", "Absender der Antworten"),
                      ("poll_interval_seconds", "Abrufintervall in Sekunden (Standard 60)")]

    def poll(self, channel, cursor: dict) -> tuple[list, dict]:
        try:
            with _Mailbox(channel) as mailbox:
                return _fetch_new(channel, mailbox, cursor)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise DeliveryError(f"IMAP: {exc}") from exc

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        msg = BytesParser(policy=policy.default).parsebytes(body)
        if _automatic(msg) or _from_ourselves(channel, msg):
            return ParseResult()
        return ParseResult(messages=[_message(channel, msg, body)])

    def send(self, channel, reply) -> str:
        chain = [i for i in known.conversation_external_ids(channel, reply.message_id) if MSGID.fullmatch(i or "")]
        root = reply.thread_key if MSGID.fullmatch(reply.thread_key or "") else ""
        # References: the thread's root, its latest messages, then (added by build_reply) the mail answered.
        middle = [i for i in dict.fromkeys(chain) if i not in (root, reply.in_reply_to)][-10:]
        reply.extra["references"] = " ".join(filter(None, [root, *middle]))
        return send_reply_mail(channel, reply)

    def test_connection(self, channel) -> str:
        try:
            with _Mailbox(channel) as mailbox:
                uidvalidity, count = mailbox.select()
        except (imaplib.IMAP4.error, OSError, DeliveryError) as exc:
            return f"IMAP-Verbindung fehlgeschlagen: {exc}"
        imap = f"IMAP-Verbindung erfolgreich ({count} Nachrichten im Ordner)"
        if not (channel.settings or {}).get("smtp_host"):
            return imap + "; kein SMTP-Server eingetragen, Antworten werden nicht versendet."
        return f"{imap}; {check_smtp(channel)}"


class _Mailbox:
    """An IMAP session on the channel's folder, opened read-only so flags stay as the team left them."""

    def __init__(self, channel):
        self.settings, self.creds = channel.settings or {}, channel.credentials or {}
        self.client: imaplib.IMAP4 | None = None

    def __enter__(self):
        host = self.settings.get("imap_host")
        if not host:
            raise DeliveryError("Kein IMAP-Server eingetragen", permanent=True)
        security = (self.settings.get("imap_security") or "ssl").lower()
        port = int(self.settings.get("imap_port") or (993 if security == "ssl" else 143))
        if security == "ssl":
            self.client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=30)
        else:
            self.client = imaplib.IMAP4(host, port, timeout=30)
            if security == "starttls":
                self.client.starttls(ssl.create_default_context())
        try:
            self.client.login(self.creds.get("imap_user", ""), self.creds.get("imap_password", ""))
        except imaplib.IMAP4.error:
            self.client.shutdown()  # a refused login must not leave the socket open
            raise
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            try:
                self.client.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def select(self) -> tuple[int, int]:
        status, data = self.client.select(_quote(self.settings.get("mailbox") or "INBOX"), readonly=True)
        if status != "OK":
            raise DeliveryError(f"IMAP-Ordner nicht gefunden: {data}", permanent=True)
        return int(self.client.response("UIDVALIDITY")[1][0]), int(data[0] or 0)

    def uids_after(self, last: int) -> list[int]:
        status, data = self.client.uid("SEARCH", None, f"UID {last + 1}:*")
        # "n:*" also matches the highest UID when it is below n, so filter again.
        return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > last) if status == "OK" else []

    def fetch(self, uid: int) -> bytes | None:
        status, data = self.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        parts = [item[1] for item in data or [] if isinstance(item, tuple)]
        return parts[0] if status == "OK" and parts else None


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch_new(channel, mailbox: _Mailbox, cursor: dict) -> tuple[list, dict]:
    uidvalidity, _count = mailbox.select()
    resync = cursor.get("uidvalidity") not in (None, uidvalidity)
    last = 0 if resync or cursor.get("uidvalidity") is None else int(cursor.get("last_uid") or 0)
    uids = mailbox.uids_after(last)[:BATCH]
    items = []
    for uid in uids:
        raw = mailbox.fetch(uid)
        if raw is None:
            continue  # expunged between SEARCH and FETCH
        if resync and _message_id(raw) in known.stored_ids(channel, [_message_id(raw)]):
            continue  # the folder was renumbered; this mail is with us already
        items.append((raw, "message/rfc822"))
    return items, {"uidvalidity": uidvalidity, "last_uid": max(uids, default=last)}


def _message_id(raw: bytes) -> str:
    msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    found = MSGID.findall(str(msg.get("Message-ID", "")))
    # Without a Message-ID the content itself identifies the mail, so a re-sync still finds it.
    return found[0] if found else f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


def _automatic(msg) -> bool:
    """Out-of-office answers, bounces and bulk mail are not citizen questions (and answering them loops)."""
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    sender = str(msg.get("From", "")).lower()
    return (auto != "no" or precedence in ("bulk", "junk", "list", "auto_reply")
            or bool(msg.get("X-Autoreply") or msg.get("X-Autorespond"))
            or msg.get_content_type() == "multipart/report" or str(msg.get("Return-Path", "")).strip() == "<>"
            or any(name in sender for name in AUTOMATIC_SENDERS))


def _from_ourselves(channel, msg) -> bool:
    settings = channel.settings or {}
    ours = {a.lower() for a in (settings.get("address"), settings.get("smtp_from")) if a}
    return _sender(msg)[1].lower() in ours


def _sender(msg) -> tuple[str, str]:
    header = msg.get("From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    if not addresses or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        return "", ""
    return addresses[0].display_name, addresses[0].addr_spec


def _message(channel, msg, raw: bytes) -> InboundMessage:
    name, address = _sender(msg)
    if not address:
        raise PayloadError("mail without a usable From address")
    references = MSGID.findall(str(msg.get("References", ""))) + MSGID.findall(str(msg.get("In-Reply-To", "")))
    message_id = _message_id(raw)
    html = _content(msg, "html")
    return InboundMessage(
        external_id=message_id, text=_content(msg, "plain") or html_to_text(html), author_id=address.lower(),
        author_name=name, author_email=address, subject=str(msg.get("Subject", "")).strip()[:255],
        thread_key=known.thread_key_of(channel, references) or (references[0] if references else message_id),
        parent_external_id=references[-1] if references else "", html=sanitize_html(html),
        attachments=_attachments(msg), sent_at=_date(msg),
    )


def _content(msg, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    try:
        return part.get_content().strip()
    except (LookupError, UnicodeDecodeError):  # unknown or lying charset: keep what can be read
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace").strip()


def _attachments(msg: EmailMessage) -> list[dict]:
    found = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        found.append({"name": part.get_filename() or "", "type": part.get_content_type(), "size": len(payload)})
    return found


def _date(msg):
    try:
        moment = parsedate_to_datetime(str(msg.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment and moment.tzinfo else None
