"""The RQ worker behind `mitreden worker`: it waits for Redis to come back instead of exiting.

RQ's SimpleWorker already waits out a Redis outage while it blocks for the next job. Anywhere else in
its loop (recording a job's end, a heartbeat, maintenance, the suspension check) the lost connection
ends `work()` with "found an unhandled exception, quitting", and the worker is gone until someone
restarts it. Here each of those steps waits for Redis with RQ's own capped exponential backoff and
logs every try. A job is never run twice by this: one whose end could not be recorded stays in RQ's
StartedJobRegistry, whose cleanup moves it to the failed jobs (or retries it, if it has retries left)
once its heartbeat has expired: RQ's handling of abandoned jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.worker import WorkerStatus

REDIS_LOST = (RedisConnectionError, RedisTimeoutError)


class ReconnectingWorker(SimpleWorker):
    """SimpleWorker (jobs run in this process: no fork per job) that outlives Redis outages.

    on_reconnect runs once Redis answers again after an outage: a Redis restarted without its data has lost
    the scheduled jobs, and the caller may need to put its periodic ones back.
    """

    def __init__(self, *args, on_reconnect: Callable[[], object] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_reconnect = on_reconnect

    def _until_redis_answers(self, step: Callable, *args):
        wait, lost = 1.0, False
        while True:
            try:
                result = step(*args)
            except REDIS_LOST as exc:
                if self._stop_requested:
                    # Told to stop (SIGTERM from systemd, say): no waiting for Redis. The signal handler may
                    # itself have met the outage, telling Redis of the stop request: that is this error.
                    raise StopRequested() from exc
                lost = True
                self.log.error("Worker %s: Redis nicht erreichbar (%s), neuer Versuch in %.0f s", self.name, exc, wait)
                time.sleep(wait)
                wait = min(wait * self.exponential_backoff_factor, self.max_connection_wait_time)
                continue
            if lost:
                self._after_outage()
            return result

    def _after_outage(self) -> None:
        self.log.warning("Worker %s: Redis wieder erreichbar", self.name)
        # RQ's maintenance restarts the scheduler process the outage ended and cleans the registries (which
        # is where an abandoned job is found); by itself RQ runs it only every few minutes.
        self.run_maintenance_tasks()
        if self._on_reconnect:
            self._until_redis_answers(self._on_reconnect)

    def check_for_suspension(self, burst: bool):
        return self._until_redis_answers(super().check_for_suspension, burst)

    def run_maintenance_tasks(self):
        return self._until_redis_answers(super().run_maintenance_tasks)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        return self._until_redis_answers(super().dequeue_job_and_maintain_ttl, timeout, max_idle_time)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:  # only queued on the pipeline: whoever executes it meets the outage
            return super().heartbeat(timeout, pipeline)
        return self._until_redis_answers(super().heartbeat, timeout)

    def execute_job(self, job, queue):
        try:
            super().execute_job(job, queue)
        except REDIS_LOST as exc:
            # Not run again here: RQ's registry cleanup handles the job as abandoned once Redis is back.
            self.log.error("Worker %s: Redis verloren, bevor das Ende von Job %s gespeichert war (%s)",
                           self.name, job.id, exc)
            self._until_redis_answers(self.set_state, WorkerStatus.IDLE)

    def teardown(self):
        try:
            super().teardown()
        except REDIS_LOST as exc:  # stopping while Redis is away: nothing left to sign off from
            self.log.warning("Worker %s: Abmeldung bei Redis nicht möglich (%s)", self.name, exc)
