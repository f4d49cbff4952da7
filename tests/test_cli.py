"""The `mitreden` command: demo, users, organizations and channels."""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import select

from inbox.cli import main
from inbox.demo.content import CONVERSATIONS
from inbox.extensions import db

ROOT = Path(__file__).resolve().parent.parent
MITREDEN = str(Path(sys.executable).parent / "mitreden")
# Start-up refuses keys under 32 bytes; these tests are about the errors that come after it.
KEY = "a key for the command line tests, 32+ bytes"


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(main, list(args), input=input)


def test_orgs_users_and_channels_from_the_command_line(app):
    from inbox.accounts.operations import find_user
    from inbox.channels.models import Channel

    assert invoke(app, "orgs", "create", "essen", "Stadt Essen", "--bundesland", "nw").exit_code == 0
    assert invoke(app, "orgs", "add-team", "essen", "redaktion", "Redaktion").exit_code == 0
    result = invoke(app, "users", "create", "lead@essen.example", "--name", "Lea Lead", "--org", "essen",
                    "--role", "lead", "--team", "redaktion", input="ein langes passwort\nein langes passwort\n")
    assert result.exit_code == 0, result.output
    lead = find_user("lead@essen.example")
    assert lead.name == "Lea Lead" and lead.check_password("ein langes passwort")
    result = invoke(app, "channels", "add", "--org", "essen", "--team", "redaktion", "--kind", "webform",
                    "--name", "Kontaktformular", "--slug", "essen-form")
    assert result.exit_code == 0, result.output
    assert "signing secret (shown once)" in result.output
    assert "essen-form\twebform\tKontaktformular\tRedaktion\taktiv" in invoke(app, "channels", "list").output
    assert invoke(app, "channels", "disable", "essen-form").exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(Channel)).enabled is False


def test_command_line_errors_are_clear(app):
    result = invoke(app, "users", "create", "x@example.org", "--name", "X", "--org", "nowhere", "--role", "editor",
                    input="ein langes passwort\nein langes passwort\n")
    assert result.exit_code != 0 and "no organization with slug 'nowhere'" in result.output
    assert "unknown Bundesland" in invoke(app, "orgs", "create", "x", "X", "--bundesland", "XX").output
    invoke(app, "orgs", "create", "essen", "Stadt Essen")
    invoke(app, "orgs", "add-team", "essen", "redaktion", "Redaktion")
    result = invoke(app, "channels", "add", "--org", "essen", "--team", "redaktion", "--kind", "fax", "--name", "F")
    assert result.exit_code != 0 and "unknown channel type 'fax'" in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_serves_the_seeded_city_and_seeds_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    env.update(MITREDEN_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    port = free_port()
    server = subprocess.Popen([MITREDEN, "demo", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        session = _wait_and_login(port)
        inbox = session.get(f"http://127.0.0.1:{port}/inbox").text
        assert "Posteingang" in inbox and "Sperrmüll-Termin" in inbox
        assert session.get(f"http://127.0.0.1:{port}/kontakt/kontakt").status_code == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "redaktion@example.org / mitreden-demo" in output
    assert re.search(r"Dienstplan dieses Monats: \d+ Dienste geplant", output)
    again = subprocess.run([MITREDEN, "demo", "--no-serve"], env=env, cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert "Demo-Daten waren schon vorhanden." in again.stdout
    with sqlite3.connect(tmp_path / "mitreden.db") as conn:
        assert conn.execute("SELECT count(*) FROM organization").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM conversation").fetchone()[0] == len(CONVERSATIONS)


def _wait_and_login(port: int) -> requests.Session:
    session, deadline = requests.Session(), time.monotonic() + 90
    while True:
        try:
            page = session.get(f"http://127.0.0.1:{port}/login", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = session.post(f"http://127.0.0.1:{port}/login", data={
        "csrf_token": token, "email": "redaktion@example.org", "password": "mitreden-demo"})
    assert response.status_code == 200 and response.url.endswith("/inbox")
    return session


def run_cli(*args, **env) -> subprocess.CompletedProcess:
    """The real `mitreden` command in a subprocess, with env on top of ours (a value of None removes it)."""
    environ = dict(os.environ, PYTHONPATH=str(ROOT))
    for name, value in env.items():
        environ.pop(name, None) if value is None else environ.__setitem__(name, value)
    return subprocess.run([MITREDEN, *args], env=environ, cwd=ROOT, capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, text: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback (most recent call last)" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert text in result.stderr


def test_help_needs_no_secret_key():
    result = run_cli("--help", SECRET_KEY=None)
    assert result.returncode == 0 and result.stderr == ""
    assert all(name in result.stdout for name in ("worker", "serve", "channels", "db"))


def test_a_missing_secret_key_is_one_line(tmp_path):
    result = run_cli("channels", "list", SECRET_KEY=None, MITREDEN_DATA_DIR=str(tmp_path))
    assert_one_line_error(result, "Error: SECRET_KEY is not set.")


def test_an_unreachable_database_is_one_line(tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/mitreden"
    result = run_cli("channels", "list", SECRET_KEY=KEY, DATABASE_URL=url, MITREDEN_DATA_DIR=str(tmp_path))
    assert_one_line_error(result, "Error: Datenbank nicht erreichbar: connection failed")


def test_an_unmigrated_database_is_one_line_with_what_to_do(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run_cli("channels", "list", SECRET_KEY=KEY, DATABASE_URL=url, MITREDEN_DATA_DIR=str(tmp_path))
    assert_one_line_error(result, "Datenbankfehler: no such table: channel (ist `mitreden db upgrade` gelaufen?)")


def test_a_wrong_encryption_key_is_one_line(app, database_url, create_org, create_channel):
    channel = create_channel(create_org(), slug="kontakt-essen")
    result = run_cli("channels", "test", channel.slug, SECRET_KEY="a different key of at least 32 bytes",
                     DATABASE_URL=database_url, MITREDEN_DATA_DIR=app.config["DATA_DIR"])
    assert_one_line_error(result, "Error: Kanal-Zugangsdaten lassen sich nicht entschlüsseln: "
                                  "MITREDEN_ENCRYPTION_KEY passt nicht")


def test_an_unreachable_redis_is_one_line(tmp_path):
    result = run_cli("worker", "--burst", SECRET_KEY=KEY, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                     MITREDEN_DATA_DIR=str(tmp_path))
    assert_one_line_error(result, "Error: Redis nicht erreichbar: Error 111 connecting to 127.0.0.1")


def test_an_unexpected_error_is_one_line_with_the_way_to_its_traceback(tmp_path):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("")
    result = run_cli("channels", "list", SECRET_KEY=KEY, MITREDEN_DATA_DIR=str(not_a_folder))
    assert_one_line_error(result, "Error: Unerwarteter Fehler: FileExistsError: ")
    assert "(MITREDEN_DEBUG=1 zeigt den Traceback)" in result.stderr
    debug = run_cli("channels", "list", SECRET_KEY=KEY, MITREDEN_DATA_DIR=str(not_a_folder), MITREDEN_DEBUG="1")
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
