"""Secrets at rest: channel credentials are encrypted with a key from the environment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import TimestampSigner

from inbox.core import clock


class SecretError(RuntimeError):
    pass


class ClockSigner(TimestampSigner):
    """itsdangerous' signer with Mitreden's clock: expiry follows it, so tests can move time instead of waiting."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def derive_key(secret_key: str) -> bytes:
    """A Fernet key derived from SECRET_KEY, used when no MITREDEN_ENCRYPTION_KEY is set."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mitreden-credentials", info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _fernet() -> Fernet:
    return Fernet(current_app.config["ENCRYPTION_KEY"])


def encrypt_json(value: dict) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode() if value else ""


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretError("channel credentials cannot be decrypted with the configured key") from exc


def hmac_sha256_hex(secret: str | bytes, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so timing does not reveal how much of a forged signature was right."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
