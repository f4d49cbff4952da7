"""Background jobs: RQ when REDIS_URL is set, otherwise in-process after the request.

Jobs take ids, never ORM objects, and are only handed on after the transaction that
created their data has committed, so a worker never looks for a row that is not there yet.
Long jobs (``@task(background=True)``, the rota solver) run in a thread of their own in the
embedded default, so the request that started them answers at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from inbox.extensions import db

log = logging.getLogger(__name__)
TASKS: dict[str, Callable] = {}
RETRIES: dict[str, tuple[int, list[int]]] = {}
BACKGROUND: set[str] = set()
_worker_app: Flask | None = None
_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def task(fn: Callable | None = None, *, retries: int = 0, backoff: list[int] | None = None, background: bool = False):
    """Register fn as a job; retries with backoff (seconds) apply when it runs on RQ.

    background: in-process (no Redis) the job runs in its own thread instead of after the request.
    """

    def register(func: Callable) -> Callable:
        name = f"{func.__module__}.{func.__name__}"
        TASKS[name] = func
        if retries:
            RETRIES[name] = (retries, backoff or [10, 60, 300])
        if background:
            BACKGROUND.add(name)
        func.job_name = name
        return func

    return register(fn) if fn else register


def enqueue(func: Callable, *args, delay: timedelta | None = None) -> None:
    """Run func(*args) once the current transaction commits."""
    if any(hasattr(a, "_sa_instance_state") for a in args):
        raise TypeError("jobs take ids, not ORM objects")
    db.session.info.setdefault("jobs", []).append((func.job_name, args, delay))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop("jobs", [])
    if not pending or not has_app_context():
        return
    if current_app.config.get("REDIS_URL"):
        for name, args, delay in pending:
            _push_to_rq(name, args, delay)
    else:
        session.info.setdefault("ready", []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("jobs", None)


def redis_connection():
    from redis import Redis

    ext = current_app.extensions
    if "mitreden_redis" not in ext:
        ext["mitreden_redis"] = Redis.from_url(current_app.config["REDIS_URL"])
    return ext["mitreden_redis"]


def get_queue():
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())


def _push_to_rq(name: str, args: tuple, delay: timedelta | None) -> None:
    from rq import Retry

    retry = Retry(max=RETRIES[name][0], interval=RETRIES[name][1]) if name in RETRIES else None
    queue = get_queue()
    if delay:
        queue.enqueue_in(delay, execute, name, *args, retry=retry)
    else:
        queue.enqueue(execute, name, *args, retry=retry)


def push(func: Callable, *args) -> None:
    """Hand a job to RQ now, outside any transaction (for data another connection has already committed)."""
    _push_to_rq(func.job_name, args, None)


def run_ready() -> int:
    """Run the in-process jobs whose transaction has committed; returns how many ran."""
    count = 0
    ready = db.session.info.get("ready")
    while ready:
        name, args, _delay = ready.pop(0)
        _run_in_process(name, args)
        count += 1
    return count


def _run_in_process(name: str, args: tuple) -> None:
    if name in BACKGROUND:
        _start_thread(name, args)
        return
    try:
        TASKS[name](*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("in-process job %s%r failed", name, args)
        if current_app.config.get("JOBS_RAISE"):
            raise


def _start_thread(name: str, args: tuple) -> None:
    """Run one job in a thread with its own app context and session; it commits once, like a worker."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                TASKS[name](*args)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("background job %s%r failed", name, args)
            finally:
                db.session.remove()
                with _threads_lock:
                    _threads.discard(thread)

    thread = threading.Thread(target=run, name=f"job {name}", daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def wait_background(timeout: float | None = None) -> bool:
    """Wait for the in-process background jobs running now; True when none is left (tests, shutdown)."""
    with _threads_lock:
        running = list(_threads)
    for thread in running:
        thread.join(timeout)
    return not any(t.is_alive() for t in running)


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def execute(name: str, *args) -> None:
    """The function RQ calls: runs one registered job in an app context and commits once."""
    from inbox import create_app

    app = _worker_app or create_app()
    with app.app_context():
        _import_tasks()
        try:
            TASKS[name](*args)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _import_tasks() -> None:
    from inbox import tasks  # noqa: F401  (registers every domain's jobs)


def init_app(app: Flask) -> None:
    _import_tasks()

    @app.after_request
    def _run_jobs(response):
        if not app.config.get("REDIS_URL"):
            run_ready()
        return response
