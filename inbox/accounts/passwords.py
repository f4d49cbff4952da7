"""What a new password must be: long enough, and not one of the passwords tried first by anyone guessing."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from flask import current_app

# What people put around a common word to pass a rule: "Passwort2024!", "!!sommer123".
_DECORATION = string.digits + string.punctuation + " "


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (inbox/accounts/common_passwords.txt), read on first use."""
    text = (resources.files("inbox.accounts") / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _guessable(password: str) -> bool:
    lowered = password.strip().lower()
    core = lowered.strip(_DECORATION)
    # An empty core is digits and punctuation only; fewer than four different characters is a row of the same few.
    return (not core or lowered in common_passwords() or core in common_passwords()
            or len(set(lowered)) < 4)


def check_new_password(password: str) -> None:
    """Refuse a password being set, with a message for the person choosing it (ValueError)."""
    minimum = current_app.config["SETTINGS"]["security"]["password_min_length"]
    if len(password) < minimum:
        raise ValueError(f"Das Passwort muss mindestens {minimum} Zeichen haben.")
    if _guessable(password):
        raise ValueError("Dieses Passwort ist zu leicht zu erraten: ein häufiges Passwort, nur Ziffern und Zeichen "
                         "oder ein häufiges Wort mit Zahlen daran (wie „Passwort2024!“). Bitte wählen Sie ein "
                         "anderes, zum Beispiel aus mehreren Wörtern, die nicht zusammengehören.")
