"""Running the polling sweep periodically: RQ's cron scheduler with Redis, a thread in the demo.

Several workers may each run the cron loop; the sweep claims every channel with a
conditional UPDATE, so a channel is still polled once per interval.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)
DEFAULT_SWEEP_SECONDS = 15
SWEEP_JOB = "inbox.channels.polling.poll_due_channels"


def sweep_seconds(app: Flask) -> int:
    settings = app.config.get("SETTINGS", {}).get("polling", {})
    try:
        return max(1, int(settings.get("sweep_seconds", DEFAULT_SWEEP_SECONDS)))
    except (TypeError, ValueError):
        return DEFAULT_SWEEP_SECONDS


def start_cron(app: Flask, connection, queue_name: str, stop: threading.Event | None = None) -> threading.Thread:
    """Enqueue the sweep on RQ every sweep_seconds, from a daemon thread beside the worker."""
    from rq.cron import CronScheduler

    from inbox.jobs import execute

    cron = CronScheduler(connection=connection, name=f"mitreden-poll:{queue_name}:{threading.get_native_id()}")
    cron.register(execute, queue_name, args=(SWEEP_JOB,), interval=sweep_seconds(app), name=f"{SWEEP_JOB}:{queue_name}")
    stop = stop or threading.Event()
    thread = threading.Thread(target=_cron_loop, args=(cron, stop), name="mitreden-poll-cron", daemon=True)
    thread.stop_event = stop
    thread.start()
    return thread


def _cron_loop(cron, stop: threading.Event) -> None:
    # CronScheduler.start() installs signal handlers, which only the main thread may do; this is its loop.
    cron.register_birth()
    try:
        while not stop.is_set():
            try:
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
            except Exception:  # Redis away for a moment: try again next round
                log.exception("could not enqueue the polling sweep")
            stop.wait(max(cron.calculate_sleep_interval(), 0.2))
    finally:
        cron.register_death()


def start_in_process(app: Flask, stop: threading.Event | None = None, every: int | None = None) -> threading.Thread:
    """Without Redis (demo): run the sweep and the polls it starts in a daemon thread of this process."""
    stop = stop or threading.Event()
    every = every or sweep_seconds(app)
    thread = threading.Thread(target=_local_loop, args=(app, stop, every), name="mitreden-poller", daemon=True)
    thread.stop_event = stop
    thread.start()
    return thread


def _local_loop(app: Flask, stop: threading.Event, every: int) -> None:
    while not stop.is_set():
        run_sweep_once(app)
        stop.wait(every)


def run_sweep_once(app: Flask) -> None:
    from inbox.channels.polling import poll_due_channels
    from inbox.extensions import db
    from inbox.jobs import run_ready

    with app.app_context():
        try:
            poll_due_channels()
            db.session.commit()
            run_ready()
        except Exception:
            db.session.rollback()
            log.exception("polling sweep failed")
        finally:
            db.session.remove()
