"""Platform HTTP failures are sorted into retry (429, 5xx, network) and stop (other 4xx)."""

import pytest

from inbox.channels import http
from inbox.channels.adapters.base import DeliveryError
from tests.fakeapi import Reply


def test_success_passes_through(fake_api):
    fake_api.route("POST", "/send", {"id": "m1"})
    assert http.request("POST", fake_api.url + "/send", json={"a": 1}).json() == {"id": "m1"}
    assert fake_api.received("POST", "/send")[0].json == {"a": 1}


def test_429_is_retryable_and_honours_retry_after(fake_api):
    fake_api.route("POST", "/send", Reply(429, {"error": "slow down"}, {"Retry-After": "42"}))
    with pytest.raises(DeliveryError) as info:
        http.request("POST", fake_api.url + "/send")
    assert not info.value.permanent and info.value.retry_after == 42.0


def test_5xx_is_retryable(fake_api):
    fake_api.route("POST", "/send", Reply(503, {"error": "down"}))
    with pytest.raises(DeliveryError) as info:
        http.request("POST", fake_api.url + "/send")
    assert not info.value.permanent


def test_4xx_is_permanent_with_the_platform_reason(fake_api):
    fake_api.route("POST", "/send", Reply(401, {"error": {"message": "Error validating access token"}}))
    with pytest.raises(DeliveryError) as info:
        http.request("POST", fake_api.url + "/send")
    assert info.value.permanent and "access token" in str(info.value)


def test_network_error_is_retryable():
    with pytest.raises(DeliveryError) as info:
        http.request("GET", "http://127.0.0.1:9/nothing-listens-here", timeout=1)
    assert not info.value.permanent
