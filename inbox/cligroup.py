"""The `mitreden` command group: help without an app, and one line per error instead of a traceback.

An operator who mistypes a setting should read what is wrong, not 40 lines of Python. Errors we
expect (settings, an unreachable database or Redis, a key that does not fit the stored channel
credentials) become one line on stderr and exit code 1; anything else also becomes one line, with
the way to see the traceback (MITREDEN_DEBUG=1).
"""

from __future__ import annotations

import os

import click
from flask.cli import FlaskGroup

DEBUG_VARIABLE = "MITREDEN_DEBUG"


class MitredenGroup(FlaskGroup):
    """FlaskGroup whose command lookup never builds the app.

    Flask builds the app to list commands an app may add to `app.cli`; Mitreden adds none (all its commands
    are on this group or come from plugins such as Flask-Migrate's `db`), and building it needs SECRET_KEY,
    which `mitreden --help` must not.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        return click.Group.get_command(self, ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            raise click.ClickException(describe(exc)) from exc


def describe(exc: Exception) -> str:
    """One line saying what went wrong, for the operator."""
    from cryptography.fernet import InvalidToken
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError

    from config import ConfigError
    from inbox.core.crypto import SecretError

    if isinstance(exc, ConfigError):
        message = str(exc)
    elif isinstance(exc, SecretError | InvalidToken):
        message = ("Kanal-Zugangsdaten lassen sich nicht entschlüsseln: MITREDEN_ENCRYPTION_KEY passt nicht "
                   "(ist er nicht gesetzt, gilt der aus SECRET_KEY abgeleitete Schlüssel)")
    elif isinstance(exc, DBAPIError):
        message = _database_error(exc)
    elif isinstance(exc, RedisConnectionError | RedisTimeoutError):
        message = f"Redis nicht erreichbar: {exc}"
    else:
        message = (f"Unerwarteter Fehler: {type(exc).__name__}: {exc} "
                   f"({DEBUG_VARIABLE}=1 zeigt den Traceback)")
    return " ".join(message.split())


def _database_error(exc) -> str:
    reason = str(exc.orig)
    if exc.statement is None:  # SQLAlchemy wraps a failed connect without a statement
        return f"Datenbank nicht erreichbar: {reason}"
    if getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in reason:
        return f"Datenbankfehler: {reason} (ist `mitreden db upgrade` gelaufen?)"
    return f"Datenbankfehler: {reason}"
