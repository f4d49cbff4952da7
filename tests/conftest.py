"""Fixtures in the style of Flask's tutorial: app, client, auth, plus create_<thing> factories.

Every test that uses the database runs once on SQLite and once on PostgreSQL (select with
--db=sqlite or --db=postgresql). Each backend gets a fresh database per run, migrated with
Alembic; rows are removed after each test.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from inbox.core import clock
from inbox.core.crypto import hmac_sha256_hex

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("MITREDEN_TEST_REDIS", "redis://127.0.0.1:6379/0")
PG_ADMIN_URL = os.environ.get("MITREDEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery"


def pytest_addoption(parser):
    parser.addoption("--db", default="all", choices=["all", "sqlite", "postgresql"],
                     help="database backend(s) for tests that use the database")


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = ["sqlite", "postgresql"] if chosen == "all" else [chosen]
        if metafunc.definition.get_closest_marker("postgres_only"):
            backends = [b for b in backends if b == "postgresql"]
        metafunc.parametrize("db_backend", backends, scope="session")


def _worker_tag() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(db_backend, tmp_path_factory):
    """A migrated, empty database for this run on the chosen backend."""
    with new_database(db_backend, tmp_path_factory.mktemp("sqlite")) as url:
        _migrate(url)
        yield url


@contextmanager
def new_database(db_backend: str, folder: Path):
    """An empty database on the backend (a file in folder for SQLite), dropped afterwards; yields its URL."""
    if db_backend == "sqlite":
        yield f"sqlite:///{folder / 'test.db'}"
        return
    name = f"mitreden_test_{_worker_tag()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from inbox import create_app
    from inbox.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class CSRFClient(FlaskClient):
    """A test client that adds the session's CSRF token to form posts, as a browser would."""

    def open(self, *args, **kwargs):
        # Requests reuse the fixture's app context; start each with an empty `g`, as in production.
        from flask import g

        g.__dict__.clear()
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page)
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    from inbox import create_app
    from inbox.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_RAISE": True,
                      "DATA_DIR": str(tmp_path), "SERVER_NAME": None, "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH})
    app.test_client_class = CSRFClient
    with app.app_context():
        yield app
        from inbox import jobs

        # A solver thread still running would write into the next test's tables; the rota tests cancel theirs.
        assert jobs.wait_background(120), "a background job did not end"
        db.session.remove()
        _empty_tables(db)
        db.engine.dispose()


# scrypt with a 32nd of the default work (N=2**10 instead of 2**15): a full-strength hash or check takes 0.2 s of
# CPU, and every test creates accounts and logs in. tests/accounts/test_login.py checks the production default.
TEST_PASSWORD_HASH = "scrypt:1024:8:1"


def _empty_tables(db) -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _empty_postgresql(conn, tables)
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table.name}"'))


def _empty_postgresql(conn, tables) -> None:
    # TRUNCATE costs a few milliseconds per table even when it is empty (new files for each); a test fills a
    # handful of the schema's tables, so only those are emptied, children first.
    probes = " UNION ALL ".join(f'(SELECT {i} FROM "{t.name}" LIMIT 1)' for i, t in enumerate(tables))
    used = {row[0] for row in conn.execute(text(probes))}
    for index in sorted(used, reverse=True):
        conn.execute(text(f'DELETE FROM "{tables[index].name}"'))
    # Every sequence starts again, as TRUNCATE ... RESTART IDENTITY did (one statement for all of them).
    conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))


# A Wednesday morning inside service hours: tests must not depend on the hour CI happens to run at.
TEST_START = datetime(2026, 11, 18, 10, 0, tzinfo=clock.BERLIN)


@pytest.fixture(autouse=True)
def _test_clock():
    clock.start_at(TEST_START)
    yield
    clock.set_time(None)
    clock.start_at(None)


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def create_org(app):
    from inbox.extensions import db
    from inbox.orgs.operations import create_organization, create_team

    def make(slug: str | None = None, name: str = "Stadt Teststadt", bundesland: str = "NW", team: str = "redaktion"):
        org = create_organization(slug or f"org-{uuid.uuid4().hex[:8]}", name, bundesland)
        create_team(org, team, "Social-Media-Redaktion")
        db.session.commit()
        return org

    return make


def default_team(org):
    """The central team create_org makes."""
    return next(t for t in org.teams if t.slug == "redaktion")


@pytest.fixture
def create_user(app):
    from inbox.accounts.operations import create_user as make_user
    from inbox.accounts.operations import find_user, grant
    from inbox.extensions import db

    def make(org, role: str = "editor", *, email: str | None = None, name: str = "Erika Muster", team=None,
             department=None, password: str = PASSWORD):
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        user = find_user(email) or make_user(email, name, password)
        if team is None and role in ("editor", "lead"):
            team = default_team(org)
        grant(user, org.id, role, team_id=team.id if team else None,
              department_id=department.id if department else None)
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_channel(app):
    from inbox.channels.operations import create_channel as make_channel
    from inbox.extensions import db

    def make(org, kind: str = "webform", *, name: str = "Kontaktformular", team=None, secret: str = "s3cr3t",
             settings: dict | None = None, credentials: dict | None = None, slug: str | None = None):
        creds = {"secret": secret} if kind == "webform" else {}
        creds.update(credentials or {})
        channel = make_channel(org, team or default_team(org), kind, name, slug=slug, credentials=creds,
                               settings=settings)
        db.session.commit()
        return channel

    return make


@pytest.fixture
def post_webhook(client):
    """POST a signed web-form event; returns the response."""
    import json

    def post(channel, payload: dict | bytes, *, secret: str = "s3cr3t", signature: str | None = None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        sig = signature if signature is not None else "sha256=" + hmac_sha256_hex(secret, body)
        headers = {"X-Mitreden-Signature": sig} if sig else {}
        return client.post(f"/webhooks/{channel.slug}", data=body, headers=headers, content_type="application/json")

    return post


@pytest.fixture
def citizen_message():
    def make(external_id: str | None = None, **fields) -> dict:
        payload = {"external_id": external_id or f"ext-{uuid.uuid4().hex[:10]}", "name": "Karin Vogel",
                   "email": "k.vogel@example.net", "subject": "Sperrmüll", "text": "Wann kommt der Sperrmüll?"}
        payload.update(fields)
        return payload

    return make


class AuthActions:
    def __init__(self, client: CSRFClient):
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post_form("/login", {"email": email, "password": password})

    def logout(self):
        return self._client.post_form("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def fake_api():
    """A fake platform API on 127.0.0.1 (see tests/fakeapi.py)."""
    from tests.fakeapi import FakeAPI

    with FakeAPI() as api:
        yield api


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app):
    """The test app served on 127.0.0.1 (ephemeral port) for the browser; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser(live_server):
    """Debian's Chromium through Playwright; new_context(base_url=...) pages talk to the live server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser, live_server):
    return browser.new_context(base_url=live_server, locale="de-DE").new_page()


@pytest.fixture
def page(browser, live_server):
    """A Playwright page in Debian's Chromium, its relative URLs on the live server."""
    return new_page(browser, live_server)


def browser_login(page, user_or_email, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", getattr(user_or_email, "email", user_or_email))
    page.fill("#password", password)
    page.get_by_role("button", name="Anmelden").click()


@pytest.fixture
def rq_app(app):
    """The test app sending its jobs to the real Redis, on a queue of its own."""
    from rq import Queue

    from inbox import jobs

    app.config["REDIS_URL"] = REDIS_URL
    app.config["RQ_QUEUE"] = f"mitreden-test-{uuid.uuid4().hex}"
    yield app
    queue = jobs.get_queue()
    queue.empty()
    Queue(queue.name, connection=queue.connection).delete(delete_jobs=True)


@pytest.fixture
def run_worker(rq_app, database_url):
    """Run real `mitreden worker --burst` processes against the test database and queue."""

    def run(count: int = 1, timeout: int = 120) -> list[subprocess.CompletedProcess]:
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
                   MITREDEN_QUEUE=rq_app.config["RQ_QUEUE"], SECRET_KEY=rq_app.config["SECRET_KEY"],
                   PYTHONPATH=str(ROOT))
        command = [str(Path(sys.executable).parent / "mitreden"), "worker", "--burst"]
        procs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(count)]
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(command, proc.returncode, out))
        return results

    return run
