"""Settings loader: the TOML defaults, another file named by MITREDEN_CONFIG, then env vars."""

from __future__ import annotations

import os
import tomllib
from copy import deepcopy
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("default.toml")
# What `mitreden serve` hands to gunicorn; shipped in the wheel beside the defaults.
GUNICORN_FILE = Path(__file__).with_name("gunicorn.conf.py")

# Environment variables that override one setting each: name -> (section, key).
ENV_OVERRIDES = {
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
    "MITREDEN_QUEUE": ("redis", "queue"),
    "MITREDEN_TIMEZONE": ("app", "timezone"),
    "MITREDEN_BUNDESLAND": ("app", "bundesland"),
}


class ConfigError(RuntimeError):
    """Raised when the settings cannot be used to start the application."""


def _merge(base: dict, extra: dict) -> dict:
    merged = deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"Settings file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Settings file {path} is not valid TOML: {exc}") from exc


def load_settings(environ: dict | None = None) -> dict:
    """Return the merged settings as nested dicts."""
    environ = os.environ if environ is None else environ
    settings = _read(DEFAULT_FILE)
    if environ.get("MITREDEN_CONFIG"):
        settings = _merge(settings, _read(Path(environ["MITREDEN_CONFIG"])))
    for name, (section, key) in ENV_OVERRIDES.items():
        if environ.get(name):
            settings.setdefault(section, {})[key] = environ[name]
    return settings
