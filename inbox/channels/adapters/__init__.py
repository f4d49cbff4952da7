"""The registry of channel adapters: one module per platform."""

from __future__ import annotations

from inbox.channels.adapters.base import ChannelAdapter

ADAPTERS: dict[str, ChannelAdapter] = {}


def register(adapter_cls: type[ChannelAdapter]) -> type[ChannelAdapter]:
    ADAPTERS[adapter_cls.kind] = adapter_cls()
    return adapter_cls


def get_adapter(kind: str) -> ChannelAdapter:
    if not _loaded:  # every accepted webhook asks: the import machinery only once
        _load()
    return ADAPTERS[kind]


def kinds() -> list[tuple[str, str]]:
    _load()
    return sorted((kind, adapter.label) for kind, adapter in ADAPTERS.items())


def _load() -> None:
    global _loaded
    from inbox.channels.adapters import (  # noqa: F401
        bluesky,
        email,
        mastodon,
        meta,
        threads,
        webform,
        whatsapp,
        x,
        youtube,
    )
    _loaded = True


_loaded = False
