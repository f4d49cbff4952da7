"""HTTP calls to platform APIs, with their failures sorted into retry-or-stop."""

from __future__ import annotations

import logging

import requests
from urllib3.exceptions import ProtocolError

from inbox.channels.adapters.base import DeliveryError

log = logging.getLogger(__name__)
TIMEOUT = (5, 20)  # connect, read (seconds)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _reason(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict):
        error = data.get("error") or data.get("errors") or data.get("message") or data
        if isinstance(error, dict):
            return str(error.get("message") or error)[:300]
        return str(error)[:300]
    return str(data)[:300]


def check(response: requests.Response) -> requests.Response:
    """Raise DeliveryError for a failed response: 429 and 5xx may be retried, other 4xx stop at once."""
    if response.status_code < 400:
        return response
    reason = f"HTTP {response.status_code}: {_reason(response)}"
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryError(reason, retry_after=_retry_after(response))
    raise DeliveryError(reason, permanent=True)


def may_have_arrived(exc: requests.RequestException) -> bool:
    """True when the request reached the platform but its answer did not reach us.

    A read timeout, a connection the platform dropped after taking the request, or an answer cut off:
    the platform may have acted on it. A refused connection or a connect timeout sent nothing.
    """
    if isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError):
        return True
    return isinstance(exc, requests.ConnectionError) and bool(exc.args) and isinstance(exc.args[0], ProtocolError)


def request(method: str, url: str, **kwargs) -> requests.Response:
    """One API call; network errors are passing errors, HTTP errors as check() says."""
    kwargs.setdefault("timeout", TIMEOUT)
    try:
        response = requests.request(method, url, **kwargs)
    except requests.RequestException as exc:
        log.info("%s %s failed: %s", method, url, exc)
        # Reading twice is harmless; a POST without an answer may have posted, so it must not be repeated blindly.
        uncertain = method.upper() not in ("GET", "HEAD") and may_have_arrived(exc)
        what = "Keine Antwort der Plattform" if uncertain else "Netzwerkfehler"
        raise DeliveryError(f"{what}: {exc.__class__.__name__}", uncertain=uncertain) from exc
    return check(response)
