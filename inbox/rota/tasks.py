"""The rota solver as a background job that reports its progress while it searches."""

from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy import select, update

from inbox.audit.operations import record
from inbox.core import clock
from inbox.extensions import db
from inbox.jobs import task
from inbox.rota import adapter
from inbox.rota.models import Rota, RotaRun

log = logging.getLogger(__name__)


HISTORY_POINTS = 120  # enough for a curve over a long run; older points are thinned out


def _progress_writer(engine, run_id: int):
    """Progress goes to the RotaRun row in its own short transaction, so a lead sees it while the job runs.

    The solver calls back from its own thread, which has no app context: hence the engine is bound here.
    """
    state = {"solutions": 0, "last": 0.0, "history": []}

    def write(objective: float, elapsed: float, bound: float) -> None:
        state["solutions"] += 1
        gap = _gap(objective, bound)
        state["history"].append([round(elapsed, 2), float(objective), gap])
        # Improvements can come in bursts; a write about once a second is plenty for a progress display.
        if time.monotonic() - state["last"] < 1.0 and state["solutions"] > 1:
            return
        state["last"] = time.monotonic()
        history = state["history"]
        if len(history) > HISTORY_POINTS:
            state["history"] = history = history[::2]
        _write(engine, run_id, solutions=state["solutions"], best_objective=float(objective), best_bound=float(bound),
               gap=gap, elapsed=elapsed, history=list(history))

    return write, state


def _gap(objective: float, bound: float) -> float:
    """The relative gap as the solver reports it (0 = proven optimal)."""
    return round(abs(objective - bound) / max(1.0, abs(objective)), 4)


def _cancel_check(engine, run_id: int):
    """The solver's stop check: whether the lead pressed "Abbrechen" (read in its own short transaction)."""

    def cancelled() -> bool:
        with engine.connect() as conn:
            return bool(conn.scalar(select(RotaRun.cancel_requested).where(RotaRun.id == run_id)))

    return cancelled


def _write(engine, run_id: int, **values) -> None:
    with engine.begin() as conn:
        conn.execute(update(RotaRun).where(RotaRun.id == run_id).values(**values))


@task(background=True)
def generate_rota(run_id: int) -> None:
    run = db.session.get(RotaRun, run_id)
    if run is None or run.status not in ("queued",):
        return
    if run.cancel_requested:
        run.status, run.finished_at, run.message = "cancelled", clock.now(), CANCELLED
        return
    rota = db.session.get(Rota, run.rota_id)
    replan_from = clock.now().astimezone(adapter.calendar_zone()).date() if run.replan else None
    problem = adapter.problem(rota, replan_from=replan_from)
    # Nothing is written yet: end the read transaction so the progress writes from the solver never wait on it.
    db.session.rollback()
    engine = db.engine
    _write(engine, run_id, status="running")
    write, state = _progress_writer(engine, run_id)
    limit = float(current_app.config["SETTINGS"].get("rota", {}).get("solver_seconds", 20))
    try:
        result = adapter.solve(problem, limit, write, _cancel_check(engine, run_id))
    except Exception as exc:
        log.exception("rota run %s failed", run_id)
        _write(engine, run_id, status="failed", message=f"Fehler im Planer: {exc}", finished_at=clock.now())
        return
    _finish(db.session.get(RotaRun, run_id), result, state["solutions"], replan_from)


CANCELLED = "Abgebrochen. Der Plan ist unverändert geblieben."


def _finish(run: RotaRun, result, solutions: int, replan_from) -> None:
    rota = db.session.get(Rota, run.rota_id)
    run.finished_at, run.elapsed = clock.now(), result.wall_time
    run.solutions = max(run.solutions, solutions)
    if result.stopped:
        # The lead cancelled: the half-finished search's plan is not what they asked for, so nothing is stored.
        run.status, run.message = "cancelled", CANCELLED
        record(rota.organization_id, "rota.run_cancelled", run, rota_id=rota.id, solutions=run.solutions)
        return
    if result.best_bound is not None:
        run.best_bound, run.gap = result.best_bound, result.gap
    if result.rota is None:
        run.status = "failed"
        run.message = " ".join(result.explanation) or "Kein zulässiger Plan gefunden."
        return
    count = adapter.store_plan(rota, result.rota, keep_before=replan_from)
    run.status, run.best_objective = "done", result.objective
    run.message = _summary(result, count)
    if run.replan and rota.status == "published":
        rota.version += 1
        rota.published_at = clock.now()
    record(rota.organization_id, "rota.replanned" if run.replan else "rota.generated", rota,
           assignments=count, changes=result.changes, status=result.status)


def _summary(result, count: int) -> str:
    parts = [f"{count} Dienste geplant", f"Ergebnis: {'optimal' if result.optimal else 'zulässig'}",
             f"Wünsche erfüllt: {result.wishes_honoured} von {result.wishes_total}"]
    if result.changes:
        parts.append(f"Änderungen gegenüber dem veröffentlichten Plan: {result.changes}")
    if result.understaffed:
        parts.append(f"Unterbesetzt: {len(result.understaffed)} Dienste")
    return "; ".join(parts) + "."
