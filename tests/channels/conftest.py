"""Fixtures for the pushing platforms: signed webhook posts and an editor replying in the UI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from inbox.core.crypto import hmac_sha256_hex
from inbox.extensions import db

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me-please"
META_CREDENTIALS = {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "access_token": "EAAtoken"}


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
