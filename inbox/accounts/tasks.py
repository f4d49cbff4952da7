"""Jobs of accounts: the e-mail with the link to set one's password (invitation, reset)."""

from __future__ import annotations

import logging

from inbox.accounts import invites
from inbox.accounts.models import User
from inbox.audit.operations import record
from inbox.core import mailer
from inbox.extensions import db
from inbox.jobs import task

log = logging.getLogger(__name__)

_TEXTS = {
    "invite": ("Ihre Einladung zu Mitreden",
               "Guten Tag {name},\n\nSie wurden zu Mitreden eingeladen, dem Posteingang und Dienstplan der "
               "Social-Media-Redaktion. Bitte legen Sie hier Ihr Passwort fest:\n\n{link}\n\nDer Link gilt {hours} "
               "Stunden und nur einmal. Haben Sie keine Einladung erwartet, ignorieren Sie diese E-Mail."),
    "reset": ("Neues Passwort für Mitreden",
              "Guten Tag {name},\n\nfür Ihr Konto bei Mitreden wurde ein neues Passwort angefordert. Legen Sie es "
              "hier fest:\n\n{link}\n\nDer Link gilt {hours} Stunden und nur einmal; Ihr bisheriges Passwort gilt, "
              "bis Sie ein neues festlegen."),
}


def set_password_link(user: User) -> str:
    return mailer.absolute("accounts_admin.set_password", token=invites.make_token(user))


@task
def send_password_mail(user_id: int, kind: str, org_id: int) -> None:
    """The invitation or reset e-mail; the link is made here, for the password the user has right now."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return
    from flask import current_app

    subject, body = _TEXTS[kind]
    hours = current_app.config["SETTINGS"]["security"]["invite_valid_hours"]
    msg = mailer.build([user.email], subject, body.format(name=user.name, link=set_password_link(user), hours=hours))
    try:
        mailer.send(msg)
    except mailer.MailError as exc:
        log.warning("password mail to user %s failed: %s", user.id, exc)
        # In the audit trail, where the admin who sent it can see it; the job runner commits.
        record(org_id, "user.mail_failed", user, kind=kind, text=str(exc)[:300])
        return
    record(org_id, "user.mailed", user, kind=kind)
