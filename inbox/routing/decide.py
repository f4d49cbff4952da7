"""The routing decision on plain in-memory state: sticky editor first, then least load, within capacity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Candidate:
    """An editor on shift and not away.

    Attributes:
        load: Open conversations the editor holds now.
        capacity: Most open conversations the editor may hold.
        skills: Languages and other skills.
        kinds: Channel kinds the editor takes; empty means all.
    """

    id: int
    load: int
    capacity: int
    skills: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def can_take(self, kind: str) -> bool:
        return self.load < self.capacity and (not self.kinds or kind in self.kinds)


def choose(candidates: Iterable[Candidate], *, kind: str = "", needs: frozenset[str] = frozenset(),
           sticky: int | None = None) -> Candidate | None:
    """Pick the editor for one conversation, or None when nobody on shift can take it.

    Skills are a preference: when nobody on shift has them, the conversation still gets an owner.
    """
    best = fallback = None
    for c in candidates:
        if not c.can_take(kind):
            continue
        if needs <= c.skills:
            if c.id == sticky:
                return c
            if best is None or (c.load, c.id) < (best.load, best.id):
                best = c
        elif fallback is None or (c.load, c.id) < (fallback.load, fallback.id):
            fallback = c
    return best or fallback


def needs_of(channel_settings: dict) -> frozenset[str]:
    """Skills a channel asks for: its language (when set) and any listed skills."""
    needs = set(channel_settings.get("skills") or [])
    if channel_settings.get("language"):
        needs.add(channel_settings["language"])
    return frozenset(needs)
