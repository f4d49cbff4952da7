"""The embedded demo: the fictional city of Rheinfeld, with loopback stand-ins of every platform it talks to.

`start_standins` runs the stand-ins and points outgoing mail at their SMTP sink; `prepare` seeds
the city once and, on every start, points its channels at the stand-ins and puts editors on shift.
"""

from __future__ import annotations

from flask import Flask

from inbox.demo.content import CHANNELS
from inbox.demo.seed import DEMO_PASSWORD, point_channels, seed, seed_conversations
from inbox.demo.staffing import ORG_SLUG, plan_rota, staff_now
from inbox.demo.standins import StandIns
from inbox.extensions import db

EXTENSION = "mitreden_demo_standins"
__all__ = ["DEMO_PASSWORD", "ORG_SLUG", "StandIns", "prepare", "running_standins", "start_standins"]


def start_standins(app: Flask, *, base_url: str = "") -> StandIns:
    """Start the stand-ins for this app; the [mail] settings (press-office notifications) use their SMTP sink."""
    standins = StandIns().start()
    app.extensions[EXTENSION] = standins
    mail = {**app.config["SETTINGS"].get("mail", {}), "smtp_host": "127.0.0.1", "smtp_port": standins.smtp.port,
            "smtp_starttls": False, "smtp_user": ""}
    if base_url:
        mail["base_url"] = base_url
    # A copy: the settings dict may be shared with other apps of this process.
    app.config["SETTINGS"] = {**app.config["SETTINGS"], "mail": mail}
    return standins


def running_standins(app: Flask) -> StandIns | None:
    return app.extensions.get(EXTENSION)


def prepare(standins: StandIns, *, plan: bool = True) -> list[str]:
    """Seed once, then make this start's demo work: channels on the stand-ins, editors on shift. Commits."""
    created = seed(standins.channel_settings)
    db.session.commit()
    lines = ["Demo-Daten angelegt." if created else "Demo-Daten waren schon vorhanden."]
    if created and plan:
        lines.append(f"Dienstplan dieses Monats: {plan_rota()}")
    if not created:
        point_channels(standins.channel_settings)
    lines += staff_now()
    db.session.commit()
    if created:
        count = seed_conversations()
        lines.append(f"{count} Unterhaltungen auf {len(CHANNELS)} Kanälen angelegt.")
    return lines
