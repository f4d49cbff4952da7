"""Alembic migrations build the schema from empty, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from inbox.extensions import db


def test_migrations_and_models_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `mitreden db migrate`: {diff}"


def test_every_organization_table_carries_its_scope(app):
    # Throttles and rate limits count attempts before any organization is known (a login, the public form);
    # a user belongs to no one organization, nor do their sessions and recovery codes.
    global_tables = {"organization", "user", "user_session", "recovery_code", "login_throttle", "alembic_version",
                     "rate_limit"}
    unscoped = [t.name for t in db.metadata.sorted_tables
                if t.name not in global_tables and "organization_id" not in t.columns]
    assert unscoped == []


def test_message_is_unique_per_channel_and_external_id(app):
    unique = {tuple(sorted(c.name for c in con.columns))
              for con in db.metadata.tables["message"].constraints if con.__class__.__name__ == "UniqueConstraint"}
    assert ("channel_id", "external_id") in unique
