"""Why a shift stays short: turns a solved (or relaxed) model into readable shortfalls."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .rules import ONE_DAY, fmt_day

if TYPE_CHECKING:  # the model needs OR-Tools, which only the solver's process should load
    from .model import Key, RotaModel


@dataclass(frozen=True)
class Shortfall:
    """A demanded shift staffed with a different headcount than needed.

    Attributes:
        date: Local date of the shift.
        template: Template code.
        needed: Demanded headcount.
        present: Planned headcount.
        reason: German explanation, e.g. ``"alle 3 Redakteure im Urlaub"``.
    """

    date: dt.date
    template: str
    needed: int
    present: int
    reason: str = ""

    @property
    def message(self) -> str:
        """One line for the team lead."""
        return f"{fmt_day(self.date)} {self.template}: {self.present} von {self.needed} besetzt – {self.reason}"


ALL_AWAY = {"Urlaub": "im Urlaub", "krank": "krank", "Fortbildung": "in Fortbildung"}


def shortfalls(rm: RotaModel, chosen: set[Key]) -> tuple[list[Shortfall], list[Shortfall]]:
    """Under- and overstaffed demanded shifts of a plan given by its chosen keys."""
    under, over = [], []
    for (day, code), needed in sorted(rm.need.items()):
        present = sum((e.id, day, code) in chosen for e in rm.editors)
        if present < needed:
            under.append(Shortfall(day, code, needed, present, reason(rm, chosen, day, code)))
        elif present > needed and (day, code) not in rm.optional:
            over.append(Shortfall(day, code, needed, present, "mehr Personen eingeplant als nötig"))
    for (day, code), needed in sorted(rm.unlawful.items()):
        under.append(Shortfall(day, code, needed, 0, UNLAWFUL))
    return sorted(under, key=lambda s: (s.date, s.template)), over


UNLAWFUL = "der Dienst selbst verstößt gegen das ArbZG (zu lang ohne Rechtsgrundlage nach § 7 oder zu kurze Pause)"


def reason(rm: RotaModel, chosen: set[Key], day: dt.date, code: str) -> str:
    """Explain in German why nobody else could take the shift."""
    causes = Counter(_cause(rm, chosen, e, day, code) for e in rm.editors if (e.id, day, code) not in chosen)
    causes.pop(None, None)
    absent = {k: n for k, n in causes.items() if k in ("Urlaub", "krank", "Fortbildung")}
    team = len(rm.editors)
    if team and sum(absent.values()) == team:
        if len(absent) == 1:
            return f"alle {team} Redakteure {ALL_AWAY[next(iter(absent))]}"
        return f"alle {team} Redakteure abwesend ({_list(absent)})"
    return f"übrige Redakteure: {_list(causes)}" if causes else "kein Team vorhanden"


def _list(counts: dict) -> str:
    return ", ".join(f"{n}× {label}" for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _cause(rm: RotaModel, chosen: set[Key], editor, day: dt.date, code: str) -> str | None:
    kind = rm.absent.get(editor.id, {}).get(day)
    if kind is not None:
        return kind.label
    if not rm.templates[code].skills <= editor.skills:
        return "ohne Qualifikation"
    if any((editor.id, day, c) in chosen for c in rm.templates):
        return "anderer Dienst am selben Tag"
    if _rest_blocked(rm, chosen, editor.id, day, code):
        return "Ruhezeit"
    return "Arbeitszeit- oder Planungsgrenzen"


def _rest_blocked(rm: RotaModel, chosen: set[Key], editor_id, day: dt.date, code: str) -> bool:
    before, after = day - ONE_DAY, day + ONE_DAY
    if any(code in rm.conflicts_after(before, c) for c in _codes(rm, chosen, editor_id, before)):
        return True
    return bool(rm.conflicts_after(day, code) & set(_codes(rm, chosen, editor_id, after)))


def _codes(rm: RotaModel, chosen: set[Key], editor_id, day: dt.date) -> list[str]:
    """Shifts the editor works that day in the plan, or in the fixed context outside the period."""
    if rm.inside(day):
        return [c for c in rm.templates if (editor_id, day, c) in chosen]
    return [rm.fixed[editor_id][day]] if day in rm.fixed.get(editor_id, {}) else []
