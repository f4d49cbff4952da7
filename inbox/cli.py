"""The `mitreden` command: Flask's CLI plus Mitreden's own commands."""

from __future__ import annotations

import os
import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate.cli import db as migration_commands
from sqlalchemy import select

from inbox.cligroup import MitredenGroup
from inbox.extensions import db


def _factory():
    from inbox import create_app

    demo = len(sys.argv) > 1 and sys.argv[1] == "demo"
    return create_app({"DEMO": True} if demo else None)


@click.group(cls=MitredenGroup, create_app=_factory,
             help="Mitreden: Posteingang und Dienstplan für Social-Media-Teams.")
def main():
    pass


# Flask-Migrate puts `db` on app.cli; here on the group itself, it is found without building the app.
main.add_command(migration_commands, "db")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only migrate and seed, then exit.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool):
    """Start the embedded demo: SQLite, jobs in-process, seeded with a fictional city."""
    from flask_migrate import upgrade

    from inbox.demo import DEMO_PASSWORD, prepare, start_standins

    upgrade()
    app = current_app._get_current_object()
    # The stand-ins run while the demo does; with --no-serve they only exist for seeding and are stopped.
    standins = start_standins(app, base_url=f"http://{host}:{port}")
    for line in prepare(standins):
        click.echo(line)
    click.echo(f"Datenbank: {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"Anmelden unter http://{host}:{port}/login")
    click.echo(f"  Redaktion:   redaktion@example.org / {DEMO_PASSWORD}")
    click.echo(f"  Teamleitung: leitung@example.org / {DEMO_PASSWORD}")
    click.echo(f"  Pressestelle: presse.ordnungsamt@example.org / {DEMO_PASSWORD}")
    click.echo(f"  Admin:       admin@example.org / {DEMO_PASSWORD}")
    click.echo(f"Platzhalter der Plattformen: {standins.http.url}, SMTP 127.0.0.1:{standins.smtp.port} "
               f"(Demo-Postausgang unter http://{host}:{port}/admin/demo-postausgang/)")
    if no_serve:
        standins.stop()
        return
    from werkzeug.serving import run_simple

    if not current_app.config.get("REDIS_URL"):
        from inbox.channels.schedule import start_in_process

        start_in_process(app)  # polls Mastodon, Bluesky, YouTube, IMAP
    from inbox.routing.sweep import start_demo_thread

    start_demo_thread(app)  # shifts, queue, SLAs, forward reminders
    # app.run() refuses to serve from inside a CLI command; run_simple is what it would call.
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command()
@click.option("--burst", is_flag=True, help="Run until the queue is empty, then exit.")
@with_appcontext
def worker(burst: bool):
    """Run an RQ worker (with the scheduler) for Mitreden's jobs; it waits out Redis outages."""
    from inbox import jobs
    from inbox.routing.tasks import schedule_next
    from inbox.worker import ReconnectingWorker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process.")
    jobs.set_worker_app(current_app._get_current_object())
    queue = jobs.get_queue()
    if not burst:
        from inbox.channels.schedule import start_cron

        start_cron(current_app._get_current_object(), jobs.redis_connection(), queue.name)
        schedule_next()  # the periodic routing sweep; its slot-named job id keeps it single across workers
    # Jobs run in this process (no fork per job), so the app and its pools are reused. A Redis restarted
    # without its data has lost the scheduled sweep: the worker schedules it again once Redis is back.
    ReconnectingWorker([queue], connection=jobs.redis_connection(),
                       on_reconnect=None if burst else schedule_next).work(burst=burst, with_scheduler=True)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(gunicorn_args):
    """Serve the web app: gunicorn with config/gunicorn.conf.py (further arguments go to gunicorn)."""
    from config import GUNICORN_FILE
    from inbox import create_app

    create_app()  # a missing SECRET_KEY or a bad setting is one line here, not a failing boot in every worker
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_FILE), *gunicorn_args])


def _org(slug: str):
    from inbox.orgs.models import Organization

    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise click.ClickException(f"no organization with slug {slug!r}")
    return org


def _team(org, slug: str | None):
    from inbox.orgs.models import Team

    if slug is None:
        return None
    team = db.session.scalar(select(Team).where(Team.organization_id == org.id, Team.slug == slug))
    if team is None:
        raise click.ClickException(f"no team {slug!r} in {org.slug}")
    return team


@main.group()
def orgs():
    """Organizations and their teams."""


@orgs.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--bundesland", default="NW", show_default=True)
@with_appcontext
def orgs_create(slug: str, name: str, bundesland: str):
    from inbox.orgs.operations import create_organization

    try:
        org = create_organization(slug, name, bundesland.upper())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"organization {org.slug} created (id {org.id})")


@orgs.command("add-team")
@click.argument("org_slug")
@click.argument("slug")
@click.argument("name")
@with_appcontext
def orgs_add_team(org_slug: str, slug: str, name: str):
    from inbox.orgs.operations import create_team

    try:
        team = create_team(_org(org_slug), slug, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"team {team.slug} created in {org_slug}")


@main.group()
def users():
    """User accounts and roles."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--org", "org_slug", required=True)
@click.option("--role", required=True, type=click.Choice(["editor", "lead", "press_officer", "admin"]))
@click.option("--team", "team_slug")
@click.option("--department", "department_short")
@click.password_option(prompt="Passwort")
@with_appcontext
def users_create(email, name, org_slug, role, team_slug, department_short, password):
    from inbox.accounts.operations import create_user, find_user, grant
    from inbox.orgs.models import Department

    org = _org(org_slug)
    team = _team(org, team_slug)
    department = None
    if department_short:
        department = db.session.scalar(select(Department).where(Department.organization_id == org.id,
                                                                Department.short_name == department_short))
        if department is None:
            raise click.ClickException(f"no department {department_short!r} in {org_slug}")
    try:
        user = find_user(email) or create_user(email, name, password)
        grant(user, org.id, role, team_id=team.id if team else None,
              department_id=department.id if department else None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email}: {role} in {org_slug}")


def _user(email: str):
    from inbox.accounts.operations import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email):
    """The user can no longer log in; every session of theirs ends at once."""
    from inbox.accounts.operations import deactivate_user

    ended = deactivate_user(_user(email))
    db.session.commit()
    click.echo(f"{email} deactivated; {ended} session(s) ended")


@users.command("activate")
@click.argument("email")
@with_appcontext
def users_activate(email):
    """The user may log in again (with a new login: ended sessions stay ended)."""
    from inbox.accounts.operations import reactivate_user

    reactivate_user(_user(email))
    db.session.commit()
    click.echo(f"{email} activated")


@main.group()
def channels():
    """Channels of a team."""


@channels.command("add")
@click.option("--org", "org_slug", required=True)
@click.option("--team", "team_slug", required=True)
@click.option("--kind", required=True)
@click.option("--name", required=True)
@click.option("--slug", help="Part of the webhook URL; generated when left out.")
@click.option("--secret", help="Webhook secret (web form); generated when left out.")
@click.option("--setting", "settings", multiple=True, help="KEY=VALUE, non-secret settings.")
@click.option("--credential", "credentials", multiple=True, help="KEY=VALUE, stored encrypted.")
@with_appcontext
def channels_add(org_slug, team_slug, kind, name, slug, secret, settings, credentials):
    from inbox.channels.operations import create_channel

    org = _org(org_slug)
    creds = dict(c.split("=", 1) for c in credentials)
    if kind == "webform":
        creds.setdefault("secret", secret or secrets.token_hex(32))
    try:
        channel = create_channel(org, _team(org, team_slug), kind, name, slug=slug, credentials=creds,
                                 settings=dict(s.split("=", 1) for s in settings))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"channel {channel.slug} ({kind}) created; webhook: /webhooks/{channel.slug}")
    if kind == "webform":
        click.echo(f"signing secret (shown once): {creds['secret']}")


@channels.command("list")
@click.option("--org", "org_slug")
@with_appcontext
def channels_list(org_slug):
    from inbox.channels.models import Channel

    query = select(Channel).order_by(Channel.organization_id, Channel.name)
    if org_slug:
        query = query.where(Channel.organization_id == _org(org_slug).id)
    for channel in db.session.scalars(query):
        state = "aktiv" if channel.enabled else "deaktiviert"
        click.echo(f"{channel.slug}\t{channel.kind}\t{channel.name}\t{channel.team.name}\t{state}")


@channels.command("disable")
@click.argument("slug")
@with_appcontext
def channels_disable(slug):
    from inbox.channels.models import Channel
    from inbox.channels.operations import set_enabled

    channel = db.session.scalar(select(Channel).where(Channel.slug == slug))
    if channel is None:
        raise click.ClickException(f"no channel {slug!r}")
    set_enabled(channel, False)
    db.session.commit()
    click.echo(f"channel {slug} disabled")


@channels.command("test")
@click.argument("slug")
@with_appcontext
def channels_test(slug):
    """Test the connection of a channel to its platform."""
    from inbox.channels.models import Channel
    from inbox.channels.operations import check_connection, record_test

    channel = db.session.scalar(select(Channel).where(Channel.slug == slug))
    if channel is None:
        raise click.ClickException(f"no channel {slug!r}")
    ok, message = check_connection(channel)
    record_test(channel, ok)
    db.session.commit()
    click.echo(f"{slug}: {message}")
    if not ok:
        sys.exit(1)

@main.group()
def departments():
    """Departments (Fachämter) and their press officers."""


def _department(org, short_name: str):
    from inbox.orgs.models import Department

    department = db.session.scalar(select(Department).where(Department.organization_id == org.id,
                                                            Department.short_name == short_name))
    if department is None:
        raise click.ClickException(f"no department {short_name!r} in {org.slug}")
    return department


@departments.command("add")
@click.argument("org_slug")
@click.argument("short_name")
@click.argument("name")
@click.option("--email", "press_email", default="", help="The press office's e-mail address.")
@with_appcontext
def departments_add(org_slug, short_name, name, press_email):
    from inbox.orgs.departments import check
    from inbox.orgs.operations import create_department

    org = _org(org_slug)
    try:
        check(org.id, name, short_name, press_email)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    department = create_department(org, name, short_name, press_email.lower())
    db.session.commit()
    click.echo(f"department {department.short_name} ({department.name}) created in {org_slug}")


@departments.command("list")
@click.argument("org_slug")
@with_appcontext
def departments_list(org_slug):
    from inbox.orgs.departments import list_departments, members

    for department in list_departments(_org(org_slug).id):
        people = ", ".join(u.email for u in members(department)) or "-"
        click.echo(f"{department.short_name}\t{department.name}\t{department.press_email or '-'}\t{people}")


@departments.command("add-member")
@click.argument("org_slug")
@click.argument("short_name")
@click.argument("email")
@click.option("--name", help="Name for a new account.")
@click.option("--password", help="Password for a new account (asked when left out).")
@with_appcontext
def departments_add_member(org_slug, short_name, email, name, password):
    from inbox.accounts.operations import create_user, find_user
    from inbox.orgs.departments import add_member

    department = _department(_org(org_slug), short_name)
    try:
        user = find_user(email)
        if user is None:
            if not name:
                raise click.ClickException(f"no user {email}; give --name (and --password) to create one")
            user = create_user(email, name, password or click.prompt("Passwort", hide_input=True,
                                                                     confirmation_prompt=True))
        add_member(department, user)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email}: press_officer in {department.short_name} ({org_slug})")


@main.group()
def forwarding():
    """Forwards to departments: the periodic jobs (run them from cron or a systemd timer)."""


@forwarding.command("sweep")
@with_appcontext
def forwarding_sweep_command():
    """Send due reminders and escalate overdue forwards (idempotent)."""
    from inbox import jobs
    from inbox.forwarding.sweep import sweep

    counts = sweep()
    db.session.commit()
    jobs.run_ready()
    click.echo(f"reminded {counts['reminded']}, escalated {counts['escalated']}")


@forwarding.command("fetch-replies")
@with_appcontext
def forwarding_fetch_replies():
    """Read answers sent by e-mail from the IMAP mailbox."""
    from inbox import jobs
    from inbox.forwarding.replies import fetch

    outcome = fetch()
    jobs.run_ready()
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(outcome.items())) or "nothing to read")
