"""Fixtures for the channel tests: admins, a test-only platform adapter, signed Meta posts, editor replies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from inbox.channels import http
from inbox.channels.adapters import ADAPTERS
from inbox.channels.adapters.base import ChannelAdapter, InboundMessage, ParseResult, PayloadError
from inbox.core.crypto import hmac_sha256_hex
from inbox.extensions import db

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me-please"
META_CREDENTIALS = {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "access_token": "EAAtoken"}


def only(model=None, **where):
    """The one row of model (default: Message) matching where; fails when there are none or several."""
    from inbox.conversations.models import Message

    model = model or Message
    query = select(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    rows = list(db.session.scalars(query))
    assert len(rows) == 1, rows
    return rows[0]


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


@pytest.fixture
def meta_post(client):
    """POST a body signed the way Meta signs it (X-Hub-Signature-256)."""

    def post(channel, payload, *, secret: str = APP_SECRET, signature: str | None = None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        sig = signature if signature is not None else "sha256=" + hmac_sha256_hex(secret, body)
        headers = {"X-Hub-Signature-256": sig} if sig else {}
        return client.post(f"/webhooks/{channel.slug}", data=body, headers=headers, content_type="application/json")

    return post


@pytest.fixture
def meta_channel(create_org, create_channel, fake_api):
    """A channel of a Meta platform whose API base points at the fake server."""

    def make(kind: str, settings: dict | None = None, org=None):
        api = {"threads": "/v1.0"}.get(kind, "/v21.0")
        return create_channel(org or create_org(), kind, name=kind.title(), credentials=META_CREDENTIALS,
                              settings={"api_base": fake_api.url + api, **(settings or {})})

    return make


@pytest.fixture
def editor_reply(client, auth, create_user):
    """Log in an editor of the channel's organization and reply on the conversation page."""

    def reply(conversation, text: str):
        from inbox.orgs.models import Organization

        org = db.session.get(Organization, conversation.organization_id)
        auth.login(create_user(org, "editor"))
        page = client.get(f"/conversations/{conversation.id}")
        assert page.status_code == 200
        response = client.post_form(f"/conversations/{conversation.id}/reply", {"text": text})
        assert response.status_code == 303
        return page

    return reply


class FakeChatAdapter(ChannelAdapter):
    """A platform that exists only in the tests: JSON in, replies POSTed to the fake API's /messages."""

    kind = "fakechat"
    label = "Testkanal"
    polls = True
    credential_fields = [("token", "Zugangstoken")]
    setting_fields = [("api_url", "API-Adresse")]

    def verify(self, channel, request, body: bytes) -> None:
        return None

    def parse(self, channel, body: bytes, content_type: str) -> ParseResult:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise PayloadError("not JSON") from exc
        if data.get("type") == "ping":
            return ParseResult()
        if data.get("type") == "crash":
            raise KeyError("adapter bug")
        return ParseResult(messages=[InboundMessage(external_id=data["id"], text=data["text"],
                                                    author_id=data.get("from", "citizen-1"), author_name="Bürgerin")])

    def send(self, channel, reply) -> str:
        response = http.request("POST", channel.settings["api_url"] + "/messages", json={
            "to": reply.recipient_id, "text": reply.text, "in_reply_to": reply.in_reply_to},
            headers={"Authorization": f"Bearer {channel.credentials.get('token', '')}"})
        return response.json()["id"]

    def test_connection(self, channel) -> str:
        response = http.request("GET", channel.settings.get("api_url", "http://127.0.0.1:9") + "/me",
                                headers={"Authorization": f"Bearer {channel.credentials.get('token', '')}"})
        return f"Verbunden als {response.json()['name']}"


@pytest.fixture
def fakechat(app):
    """Register the test adapter for one test only."""
    ADAPTERS[FakeChatAdapter.kind] = FakeChatAdapter()
    yield ADAPTERS[FakeChatAdapter.kind]
    ADAPTERS.pop(FakeChatAdapter.kind, None)


@pytest.fixture
def admin_of(create_user, auth):
    """Log in a fresh admin of org and return them."""

    def login(org):
        user = create_user(org, "admin")
        auth.login(user)
        return user

    return login
