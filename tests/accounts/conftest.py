"""Browsers at other addresses."""

from __future__ import annotations

import pytest


@pytest.fixture
def client_at(app):
    """client_at("203.0.113.9"): a browser of its own, connecting from that address."""

    def make(address: str):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = address
        return browser

    return make



@pytest.fixture
def smtp(app):
    """A mail server on loopback that keeps what it receives; links in mails point at mitreden.test."""
    from tests.mailservers import SMTPCapture

    server = SMTPCapture()
    app.config["SETTINGS"]["mail"].update(smtp_host="127.0.0.1", smtp_port=server.port,
                                          from_address="mitreden@stadt.example", base_url="http://mitreden.test")
    yield server
    server.stop()
