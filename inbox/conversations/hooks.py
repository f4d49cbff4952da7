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
