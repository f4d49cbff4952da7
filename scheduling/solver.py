"""Plan a month with OR-Tools CP-SAT and report quality, fairness and gaps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .explain import Shortfall, shortfalls
from .hours import BusinessCalendar
from .model import Key, RotaModel, Weights
from .rules import ONE_DAY, Absence, Editor, Rules, Wish, week_bounds
from .shifts import Rota, ShiftModel, month_range

Progress = Callable[[float, float], None]


@dataclass(frozen=True)
class RotaProblem:
    """Everything the solver needs to plan a period.

    Attributes:
        calendar: Service hours (decide which shifts are demanded).
        model: Shift templates and headcount.
        editors: The team.
        first: First date to plan.
        last: Last date to plan (inclusive).
        absences: Vacation, sickness and training.
        wishes: Days off and preferred shifts.
        rules: Legal and team parameters.
        published: Rota already published; with ``frozen_before`` it turns the run into a re-plan.
        frozen_before: Days before this date keep the published assignments unchanged.
        headcount_hard: Treat demanded headcount as a hard minimum instead of a penalty.
        weights: Penalties of the soft goals.
    """

    calendar: BusinessCalendar
    model: ShiftModel
    editors: Sequence[Editor]
    first: dt.date
    last: dt.date
    absences: Sequence[Absence] = ()
    wishes: Sequence[Wish] = ()
    rules: Rules = Rules()
    published: Rota | None = None
    frozen_before: dt.date | None = None
    headcount_hard: bool = False
    weights: Weights = Weights()

    @classmethod
    def month(cls, calendar: BusinessCalendar, model: ShiftModel, editors: Sequence[Editor],
              year: int, month: int, **options) -> RotaProblem:
        """Problem for one calendar month; keyword options as in the constructor."""
        return cls(calendar, model, editors, *month_range(year, month), **options)


@dataclass
class SolveResult:
    """Outcome of :func:`solve`.

    Attributes:
        status: ``"OPTIMAL"``, ``"FEASIBLE"``, ``"INFEASIBLE"`` or ``"UNKNOWN"`` (time ran out without a plan).
        rota: The plan, or ``None`` when no lawful plan exists.
        objective: Penalty points of the plan (lower is better).
        best_bound: Proven lower bound on the penalty.
        gap: Relative optimality gap ``(objective - bound) / objective`` (0 when optimal).
        time_to_first: Seconds until the first lawful plan was found.
        wall_time: Seconds in total, including model building.
        fairness: Spread (max - min over editors, raw counts) per category ``weekend``, ``late``, ``holiday``.
        fair_share_deviation: Per category the largest distance (in shifts) of an editor's count from
            their fair share pro rata to contract hours; this is what the solver balances.
        understaffed: Demanded shifts left short, each with a reason.
        overstaffed: Demanded shifts with more people than needed.
        changes: Assignments added or removed compared with the published rota (re-plan only).
        wishes_honoured: Wishes met in the planned period.
        wishes_total: Wishes in the planned period.
        explanation: German sentences on why no plan exists (empty otherwise).
    """

    status: str
    rota: Rota | None
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    time_to_first: float | None = None
    wall_time: float = 0.0
    fairness: dict[str, int] = field(default_factory=dict)
    fair_share_deviation: dict[str, float] = field(default_factory=dict)
    understaffed: list[Shortfall] = field(default_factory=list)
    overstaffed: list[Shortfall] = field(default_factory=list)
    changes: int = 0
    wishes_honoured: int = 0
    wishes_total: int = 0
    explanation: list[str] = field(default_factory=list)

    @property
    def optimal(self) -> bool:
        """True when the plan is proven optimal."""
        return self.status == "OPTIMAL"


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Records when the first plan arrived and forwards progress to the app."""

    def __init__(self, started: float, progress: Progress | None) -> None:
        super().__init__()
        self.started, self.progress, self.first = started, progress, None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.started
        if self.first is None:
            self.first = elapsed
        if self.progress:
            self.progress(self.objective_value, elapsed)


#: Parameters chosen from the measurements in docs/scheduling.md (2-core machine).
DEFAULT_PARAMS: Mapping[str, object] = {"extra_subsolvers": ["max_lp_sym"]}


def solve(problem: RotaProblem, time_limit: float = 10.0, workers: int = 2, progress: Progress | None = None,
          params: Mapping[str, object] | None = None, hint: bool = True) -> SolveResult:
    """Plan the problem's period.

    One CP-SAT search on the weighted sum of all penalties (see :class:`~scheduling.model.Weights`);
    a missing person (1000 points) outweighs what the soft goals can gain from one shift.

    Args:
        problem: What to plan.
        time_limit: Wall-clock limit in seconds for the search.
        workers: CP-SAT worker threads; 2 suits the 2-core production machine.
        progress: Called as ``progress(objective, elapsed_seconds)`` for every improving plan.
        params: Extra ``CpSolverParameters`` fields (e.g. ``{"symmetry_level": 2}``) for tuning.
        hint: When re-planning, seed the search with the published rota completed greedily day by day.
            Fresh plans get no hint: measured, the greedy plan slowed CP-SAT down (docs/scheduling.md).

    Returns:
        The plan and its figures; when no lawful plan exists, ``rota`` is ``None`` and
        ``understaffed`` and ``explanation`` say which days and shifts fail and why.
    """
    started = time.perf_counter()
    watcher = _Watcher(started, progress)
    rm = RotaModel(problem, problem.editors, problem.headcount_hard).build()
    if hint and problem.published is not None:
        _add_hint(rm, greedy_plan(rm))
    solver = _solver(time_limit - (time.perf_counter() - started), workers, params)
    status = solver.solve(rm.m, watcher)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _no_plan(problem, solver.status_name(status), time_limit, workers, started)
    return _result(rm, solver, solver.status_name(status), watcher, started)


def _add_hint(rm: RotaModel, chosen: set[Key]) -> None:
    for key, var in rm.x.items():
        rm.m.add_hint(var, key in chosen)


def _solver(time_limit: float, workers: int, params: Mapping[str, object] | None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    for name, value in {**DEFAULT_PARAMS, **(params or {})}.items():
        if isinstance(value, list | tuple):  # repeated proto fields cannot be assigned, only extended
            getattr(solver.parameters, name).extend(value)
        else:
            setattr(solver.parameters, name, value)
    return solver


def _result(rm: RotaModel, solver: cp_model.CpSolver, status: str, watcher: _Watcher, started: float) -> SolveResult:
    chosen = {k for k, v in rm.x.items() if solver.boolean_value(v)}
    p = rm.p
    rota = Rota(p.first, p.last, rm.assignments(solver.boolean_value), p.model.templates, p.calendar.zone.key)
    objective, bound = solver.objective_value, solver.best_objective_bound
    under, over = shortfalls(rm, chosen)
    wishes = [w for w in p.wishes if p.first <= w.date <= p.last]
    return SolveResult(
        status=status, rota=rota, objective=objective, best_bound=bound,
        gap=0.0 if status == "OPTIMAL" else abs(objective - bound) / max(1.0, abs(objective)),
        time_to_first=watcher.first, wall_time=time.perf_counter() - started,
        fairness={name: _spread([solver.value(expr) for expr in counts.values()])
                  for name, counts in rm.category_counts().items()},
        fair_share_deviation=_deviation(rm, solver),
        understaffed=under, overstaffed=over, changes=_changes(rm, chosen),
        wishes_honoured=sum(_honoured(w, chosen) for w in wishes), wishes_total=len(wishes))


def _deviation(rm: RotaModel, solver: cp_model.CpSolver) -> dict[str, float]:
    shares = rm.fair_shares()
    return {name: round(max(abs(solver.value(expr) - shares[name][e]) for e, expr in counts.items()), 1)
            for name, counts in rm.category_counts().items()}


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def _honoured(wish: Wish, chosen: set[Key]) -> bool:
    if wish.template is None:
        return not any(k[0] == wish.editor_id and k[1] == wish.date for k in chosen)
    return (wish.editor_id, wish.date, wish.template) in chosen


def _changes(rm: RotaModel, chosen: set[Key]) -> int:
    if rm.p.published is None:
        return 0
    return len({k for k in rm.published() ^ chosen if not rm.frozen(k[1])})


def _no_plan(problem: RotaProblem, status: str, time_limit: float, workers: int, started: float) -> SolveResult:
    """Explain a failed solve: relax the headcount, then look for editors whose own rules clash."""
    result = SolveResult(status=status, rota=None)
    if status == "UNKNOWN":
        result.explanation.append("Zeitlimit erreicht, bevor ein zulässiger Plan gefunden wurde.")
    elif problem.headcount_hard:
        relaxed = solve(dataclasses.replace(problem, headcount_hard=False), time_limit, workers)
        result.understaffed = relaxed.understaffed
        result.explanation += [f"Mindestbesetzung nicht erfüllbar: {s.message}" for s in relaxed.understaffed]
        result.explanation += relaxed.explanation
    else:
        result.explanation += _clashing_editors(problem, workers)
    result.wall_time = time.perf_counter() - started
    return result


def _clashing_editors(problem: RotaProblem, workers: int) -> list[str]:
    """Solve each editor alone: the ones without a lawful month are the cause."""
    found = []
    for editor in problem.editors:
        rm = RotaModel(problem, [editor], hard_headcount=False).build()
        status = _solver(2.0, workers, None).solve(rm.m)
        if status == cp_model.INFEASIBLE:
            found.append(f"{editor.name}: Vertragsstunden, Mindest-/Höchstarbeitstage, Abwesenheiten und "
                         "Leitungsvorgaben lassen sich zusammen nicht einhalten.")
    return found or ["Die Regeln widersprechen sich im Zusammenspiel des Teams."]


def greedy_plan(rm: RotaModel) -> set[Key]:
    """A quick day-by-day plan used as a hint: published shifts first, then the least-loaded editor."""
    chosen = {k for k in rm.x if rm.frozen(k[1])}
    published = rm.published()
    load = {e.id: 0 for e in rm.editors}
    conflicts = set(rm.rest_conflicts)
    for day in rm.days:
        if rm.frozen(day):
            continue
        for code in sorted(rm.templates, key=lambda c: rm.templates[c].start):
            candidates = [e for e in rm.editors if _fits(rm, chosen, conflicts, e, day, code)]
            candidates.sort(key=lambda e: ((e.id, day, code) not in published, load[e.id] / _target(rm, e)))
            for e in candidates[:rm.need.get((day, code), 0)]:
                chosen.add((e.id, day, code))
                load[e.id] += rm.templates[code].work_minutes
    return chosen


def _target(rm: RotaModel, editor: Editor) -> float:
    return max(1.0, rm.month_target(editor))


def _fits(rm: RotaModel, chosen: set[Key], conflicts: set, editor: Editor, day: dt.date, code: str) -> bool:
    if (editor.id, day, code) not in rm.x or any((editor.id, day, c) in chosen for c in rm.templates):
        return False
    yesterday = day - ONE_DAY
    if any((editor.id, yesterday, c) in chosen and ((yesterday, c), (day, code)) in conflicts for c in rm.templates):
        return False
    limit = editor.limits.max_consecutive_days or rm.p.rules.max_consecutive_days
    streak = [day - ONE_DAY * i for i in range(1, limit + 1)]
    if all(any((editor.id, d, c) in chosen for c in rm.templates) for d in streak):
        return False
    week = [day - ONE_DAY * (day.weekday() - i) for i in range(day.weekday())]
    planned = sum(rm.templates[c].work_minutes for d in week for c in rm.templates if (editor.id, d, c) in chosen)
    return planned + rm.templates[code].work_minutes <= week_bounds(editor, 0, rm.p.rules)[1]
