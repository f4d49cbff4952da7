"""Creating organizations, teams and departments."""

from __future__ import annotations

import re

from inbox.audit.operations import record
from inbox.extensions import db
from inbox.orgs.models import Department, Organization, Team

BUNDESLAENDER = ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _check_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise ValueError(f"{slug!r} is not a valid slug (lower-case letters, digits and '-')")
    return slug


def create_organization(slug: str, name: str, bundesland: str = "NW") -> Organization:
    if bundesland not in BUNDESLAENDER:
        raise ValueError(f"unknown Bundesland {bundesland!r}")
    org = Organization(slug=_check_slug(slug), name=name, bundesland=bundesland)
    db.session.add(org)
    db.session.flush()
    record(org.id, "organization.created", org)
    return org


def create_team(org: Organization, slug: str, name: str) -> Team:
    team = Team(organization_id=org.id, slug=_check_slug(slug), name=name)
    db.session.add(team)
    db.session.flush()
    record(org.id, "team.created", team)
    return team


def create_department(org: Organization, name: str, short_name: str, press_email: str = "") -> Department:
    department = Department(organization_id=org.id, name=name, short_name=short_name, press_email=press_email)
    db.session.add(department)
    db.session.flush()
    record(org.id, "department.created", department)
    return department
