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

