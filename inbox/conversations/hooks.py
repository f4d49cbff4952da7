"""What other domains do when a citizen message arrives (routing subscribes here)."""

from __future__ import annotations

from collections.abc import Callable

RECEIVED: list[Callable[[int], None]] = []


def on_received(fn: Callable[[int], None]) -> Callable[[int], None]:
    RECEIVED.append(fn)
    return fn


def conversation_received(conversation_id: int) -> None:
    for fn in RECEIVED:
        fn(conversation_id)


# Called after a conversation was resolved (forwarding closes its forwards here).
RESOLVED: list[Callable[[int], None]] = []


def on_resolved(fn: Callable[[int], None]) -> Callable[[int], None]:
    RESOLVED.append(fn)
    return fn


def conversation_resolved(conversation_id: int) -> None:
    for fn in RESOLVED:
        fn(conversation_id)
