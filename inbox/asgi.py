"""The production web application as ASGI: `gunicorn -c config/gunicorn.conf.py` serves it with uvicorn workers.

Signed webhooks are answered on the event loop (inbox/channels/asyncintake.py), and so are the open
pages' live streams (inbox/live/asyncstream.py); every page, form and API call is Flask, run in a
pool of threads by a2wsgi, exactly as under a WSGI server.
"""

from __future__ import annotations

import os

from a2wsgi import WSGIMiddleware
from flask import Flask

from inbox import create_app
from inbox.channels.asyncintake import WebhookFront
from inbox.live.asyncstream import LiveFront


def create_asgi_app(overrides: dict | None = None) -> WebhookFront:
    """What gunicorn serves (config/gunicorn.conf.py)."""
    return front(create_app(overrides), int(os.environ.get("MITREDEN_WEB_THREADS", "16")))


def front(app: Flask, threads: int) -> WebhookFront:
    """app behind the webhook front and the live streams, Flask on `threads` threads."""
    return WebhookFront(app, LiveFront(app, WSGIMiddleware(app, workers=threads)))
