"""gunicorn settings for Mitreden: `mitreden serve` (in a checkout also `gunicorn -c config/gunicorn.conf.py`).

uvicorn workers (event loop, httptools parser) serving `inbox.asgi`: signed webhooks are
answered on the event loop, where waiting for their shared commit costs nothing
(inbox/channels/asyncintake.py); pages and forms run in Flask on MITREDEN_WEB_THREADS threads
per process. One worker per two cores by default: an event loop keeps one core busy, and each
webhook costs PostgreSQL about a third of what it costs the web process. Fewer loops also share
more of each commit. Where PostgreSQL runs on another machine, set MITREDEN_WEB_WORKERS to the
number of cores.
"""

import os

wsgi_app = "inbox.asgi:create_asgi_app()"
bind = os.environ.get("MITREDEN_BIND", "127.0.0.1:8000")
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("MITREDEN_WEB_WORKERS", max(1, (os.cpu_count() or 2) // 2)))
keepalive = 5


def post_worker_init(worker):
    # The application's modules and objects live as long as the worker: freezing them keeps the garbage
    # collector from scanning them again on every full collection (more webhooks per second at high load).
    import gc

    gc.collect()
    gc.freeze()
