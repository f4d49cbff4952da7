"""Fixtures for the channel administration and delivery tests: admins, and a test-only platform adapter."""

from __future__ import annotations

import json

import pytest

from inbox.channels import http
from inbox.channels.adapters import ADAPTERS
from inbox.channels.adapters.base import ChannelAdapter, InboundMessage, ParseResult, PayloadError


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
