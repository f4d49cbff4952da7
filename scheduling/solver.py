"""Plan a month with OR-Tools CP-SAT and report quality, fairness and gaps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .explain import Shortfall, shortfalls
from .goals import Weights
from .hours import BusinessCalendar
from .model import Key, RotaModel
from .rules import Absence, Editor, Rules, Wish
from .shifts import Rota, ShiftModel, month_range
from .start import starting_plan

Progress = Callable[[float, float, float], None]
Stop = Callable[[], bool]


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
        context: Published shifts around the period (the months before and after), kept as they are:
            rest, runs of working days, forbidden sequences, replacement days off and the free-Sunday
            count of the calendar year are planned across the period's edges. Its days outside
            ``first``..``last`` count; they should adjoin the period (absences should cover them too).
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
    context: Rota | None = None
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
        rota: The plan, or ``None`` when no lawful plan was found.
        objective: Penalty points of the plan (lower is better); every shortfall and surplus counted once.
        best_bound: Proven lower bound on the penalty of any plan.
        gap: Relative optimality gap ``(objective - bound) / objective`` (0 when optimal).
        time_to_first: Seconds (from the call, model building included) until the first lawful plan.
        time_to_1pct: Seconds until a plan within 1 % of the proven bound, when one was found.
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
        stopped: The search was ended early because ``stop()`` said so (the plan is the best found by then).
    """

    status: str
    rota: Rota | None
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    time_to_first: float | None = None
    time_to_1pct: float | None = None
    wall_time: float = 0.0
    fairness: dict[str, int] = field(default_factory=dict)
    fair_share_deviation: dict[str, float] = field(default_factory=dict)
    understaffed: list[Shortfall] = field(default_factory=list)
    overstaffed: list[Shortfall] = field(default_factory=list)
    changes: int = 0
    wishes_honoured: int = 0
    wishes_total: int = 0
    explanation: list[str] = field(default_factory=list)
    stopped: bool = False

    @property
    def optimal(self) -> bool:
        """True when the plan is proven optimal."""
        return self.status == "OPTIMAL"


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Records when the first plan and a plan within 1 % of the bound arrived; forwards progress to the app."""

    def __init__(self, rm: RotaModel, started: float, progress: Progress | None, stop: Stop | None = None) -> None:
        super().__init__()
        self.rm, self.started, self.progress, self.first, self.close = rm, started, progress, None, None
        self.stop, self.stopped = stop, False

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.started
        if self.first is None:
            self.first = elapsed
        if self.close is None or self.progress:
            cost = self.rm.cost(self.value)  # the plan's real penalty, not the search's slack
            if self.close is None and _gap(cost, self.best_objective_bound) < 0.01:
                self.close = elapsed
            if self.progress:
                self.progress(cost, elapsed, self.best_objective_bound)
        if self.stop is not None and not self.stopped and self.stop():
            self.stopped = True
            self.stop_search()


def _gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(1.0, abs(objective))


#: Parameters chosen from the measurements in docs/scheduling.md (2-core machine).
DEFAULT_PARAMS: Mapping[str, object] = {"extra_subsolvers": ["max_lp_sym"]}


def solve(problem: RotaProblem, time_limit: float = 10.0, workers: int = 2, progress: Progress | None = None,
          params: Mapping[str, object] | None = None, hint: bool | None = None,
          stop: Stop | None = None) -> SolveResult:
    """Plan the problem's period.

    One CP-SAT search on the weighted sum of all penalties (see :class:`~scheduling.goals.Weights`);
    a missing person (1000 points) outweighs what the soft goals can gain from one shift.

    Args:
        problem: What to plan.
        time_limit: Wall-clock limit in seconds for everything: building the model, the search and,
            without a plan, the diagnosis. Time used up before the search leaves it less, never a negative limit.
        workers: CP-SAT worker threads; 2 suits the 2-core production machine.
        progress: Called as ``progress(objective, elapsed_seconds, best_bound)`` for every improving plan.
        params: Extra ``CpSolverParameters`` fields (e.g. ``{"symmetry_level": 2}``) for tuning.
        hint: Seed the search with a starting plan (:func:`scheduling.start.starting_plan`: the published
            rota when re-planning, completed day by day within rest, runs and working time). ``None``
            (default) seeds re-plans only: measured, the hint slowed fresh plans down (docs/scheduling.md).
        stop: Asked before the search, at every new plan and about four times a second in between; once it
            returns True the search ends with the best plan found so far (``stopped`` is then set), or without one.

    Returns:
        The plan and its figures; when no plan was found, ``rota`` is ``None`` and ``explanation`` says
        why: out of time, or which days, shifts or editors make a lawful plan impossible.
    """
    started = time.perf_counter()
    rm = RotaModel(problem, problem.editors, problem.headcount_hard).build()
    watcher = _Watcher(rm, started, progress, stop)
    if hint or (hint is None and problem.published is not None):
        _add_hint(rm, starting_plan(rm))
    left = _left(time_limit, started)
    if left <= 0:
        return _no_plan(problem, "UNKNOWN", time_limit, workers, started)
    if stop is not None and stop():
        return _stopped_without_plan(started)
    solver = _solver(left, workers, params)
    status = _search(solver, rm, watcher, stop)
    if watcher.stopped and status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _stopped_without_plan(started)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _no_plan(problem, solver.status_name(status), time_limit, workers, started)
    result = _result(rm, solver, solver.status_name(status), watcher, started)
    result.stopped = watcher.stopped
    return result


def _stopped_without_plan(started: float) -> SolveResult:
    return SolveResult(status="UNKNOWN", rota=None, stopped=True, wall_time=time.perf_counter() - started,
                       explanation=["Abgebrochen, bevor ein zulässiger Plan gefunden wurde."])


def _search(solver: cp_model.CpSolver, rm: RotaModel, watcher: _Watcher, stop: Stop | None) -> int:
    """Run CP-SAT; with stop, a watch thread ends the search when asked (also while no new plan arrives).

    The watcher asks too at every new plan, so a stop is never missed by a search that ends quickly.
    """
    if stop is None:
        return solver.solve(rm.m, watcher)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.25):
            if stop():
                watcher.stopped = True
                solver.stop_search()
                return

    thread = threading.Thread(target=watch, name="rota-stop-watch", daemon=True)
    thread.start()
    try:
        return solver.solve(rm.m, watcher)
    finally:
        done.set()
        thread.join()


def _left(time_limit: float, started: float) -> float:
    """Seconds of the limit still left (0 when used up)."""
    return max(0.0, time_limit - (time.perf_counter() - started))


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
    objective, bound = float(rm.cost(solver.value)), solver.best_objective_bound
    gap, wall = 0.0 if status == "OPTIMAL" else _gap(objective, bound), time.perf_counter() - started
    under, over = shortfalls(rm, chosen)
    wishes = [w for w in p.wishes if p.first <= w.date <= p.last]
    return SolveResult(
        status=status, rota=rota, objective=objective, best_bound=bound,
        gap=gap, time_to_first=watcher.first, time_to_1pct=_close(watcher, gap, wall), wall_time=wall,
        fairness={name: _spread([solver.value(expr) for expr in counts.values()])
                  for name, counts in rm.category_counts().items()},
        fair_share_deviation=_deviation(rm, solver),
        understaffed=under, overstaffed=over, changes=_changes(rm, chosen),
        wishes_honoured=sum(_honoured(w, chosen) for w in wishes), wishes_total=len(wishes))


def _close(watcher: _Watcher, gap: float, wall: float) -> float | None:
    """When the gap fell under 1 %: seen at a new plan, or at the end when the bound caught up."""
    if watcher.close is not None:
        return watcher.close
    return wall if gap < 0.01 else None


def _deviation(rm: RotaModel, solver: cp_model.CpSolver) -> dict[str, float]:
    shares = rm.fair_shares()
    return {name: round(max(abs(solver.value(expr) - shares[name][e]) for e, expr in counts.items()), 1)
            for name, counts in rm.category_counts().items()}


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def _honoured(wish: Wish, chosen: set[Key]) -> bool:
    return wish.honoured(k[2] for k in chosen if k[0] == wish.editor_id and k[1] == wish.date)


def _changes(rm: RotaModel, chosen: set[Key]) -> int:
    if rm.p.published is None:
        return 0
    return len({k for k in rm.published() ^ chosen if not rm.frozen(k[1])})


def _no_plan(problem: RotaProblem, status: str, time_limit: float, workers: int, started: float) -> SolveResult:
    """Explain a failed solve within what is left of the limit: out of time, short shifts, or clashing editors."""
    result = SolveResult(status=status, rota=None)
    if status == "UNKNOWN":
        result.explanation.append(f"Zeitlimit von {_seconds(time_limit)} erreicht, bevor ein zulässiger Plan "
                                  "gefunden wurde. Mit mehr Zeit findet der Planer vielleicht einen.")
    elif status != "INFEASIBLE":
        result.explanation.append(f"Der Planer ist mit dem Status {status} ausgestiegen; bitte melden.")
    elif problem.headcount_hard:
        relaxed = solve(dataclasses.replace(problem, headcount_hard=False), _left(time_limit, started), workers)
        result.understaffed = relaxed.understaffed
        result.explanation += [f"Mindestbesetzung nicht erfüllbar: {s.message}" for s in relaxed.understaffed]
        result.explanation += relaxed.explanation
    else:
        result.explanation += _clashing_editors(problem, workers, time_limit, started)
    result.wall_time = time.perf_counter() - started
    return result


def _seconds(value: float) -> str:
    return f"{value:g} s".replace(".", ",")


def _clashing_editors(problem: RotaProblem, workers: int, time_limit: float, started: float) -> list[str]:
    """Solve each editor alone within the limit: the ones without a lawful period are the cause."""
    found, unsure = [], 0
    for i, editor in enumerate(problem.editors):
        share = _left(time_limit, started) / (len(problem.editors) - i)
        if share <= 0:
            unsure += len(problem.editors) - i
            break
        rm = RotaModel(problem, [editor], hard_headcount=False).build()
        status = _solver(min(2.0, share), workers, None).solve(rm.m)
        if status == cp_model.INFEASIBLE:
            found.append(f"{editor.name}: Vertragsstunden, Mindest-/Höchstarbeitstage, Abwesenheiten und "
                         "Leitungsvorgaben lassen sich zusammen nicht einhalten.")
        elif status != cp_model.OPTIMAL and status != cp_model.FEASIBLE:
            unsure += 1
    if found:
        return found
    if unsure:
        return [f"Es gibt keinen zulässigen Plan. Für {unsure} Personen reichte das Zeitlimit nicht, um die "
                "Ursache einzugrenzen."]
    return ["Die Regeln widersprechen sich im Zusammenspiel des Teams."]
