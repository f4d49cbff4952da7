"""gunicorn settings for Mitreden: `gunicorn -c config/gunicorn.conf.py 'inbox:create_app()'`.

Threads, not more processes: an accepted webhook waits for its commit, and every webhook a
process has waiting is stored with the same INSERT (inbox/channels/rawstore.py). One process
per core keeps the threads of a process busy on one core.
"""

import os

bind = os.environ.get("MITREDEN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("MITREDEN_WEB_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("MITREDEN_WEB_THREADS", "16"))
keepalive = 5
