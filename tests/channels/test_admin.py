"""Channel administration: who may use it, what it shows, and that secrets never come back out."""

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from inbox.audit.models import AuditEvent
from inbox.channels.models import Channel
from inbox.extensions import db
from inbox.orgs.operations import create_department

BASE = "/admin/kanaele"


def html(response) -> str:
    return response.get_data(as_text=True)


def new_webform(client, org, **fields):
    data = {"name": "Kontaktformular Bürgeramt", "team": org.teams[0].id, "credential_secret": "",
            "setting_smtp_host": "", "setting_smtp_port": "", "setting_smtp_from": ""}
    data.update(fields)
    return client.post_form(f"{BASE}/neu/webform", data)


def audit_text() -> str:
    return json.dumps([e.detail for e in db.session.scalars(select(AuditEvent))])


def test_nav_links_channels_for_admins(client, create_org, admin_of):
    admin_of(create_org())
    assert f'href="{BASE}/"' in html(client.get("/inbox"))


def test_nav_has_no_channels_link_for_editors(client, create_org, create_user, auth):
    org = create_org()
    auth.login(create_user(org, "editor"))
    page = html(client.get("/inbox"))
    assert "Posteingang" in page and f'href="{BASE}/"' not in page


def test_list_shows_type_team_state_events_and_webhook_url(client, create_org, create_channel, post_webhook,
                                                           citizen_message, admin_of):
    org = create_org()
    channel = create_channel(org, name="Website")
    post_webhook(channel, citizen_message())
    post_webhook(channel, b"not json")
    admin_of(org)
    page = html(client.get(f"{BASE}/"))
    assert "Website" in page and "Kontaktformular" in page and "Social-Media-Redaktion" in page
    assert "aktiv" in page
    assert f"http://localhost/webhooks/{channel.slug}" in page
    assert '<span class="badge">1</span>' in page


def test_polling_channel_shows_last_poll_time(client, create_org, create_channel, fakechat, admin_of):
    org = create_org()
    channel = create_channel(org, "fakechat", name="Chat")
    channel.last_polled_at = datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    db.session.commit()
    admin_of(org)
    page = html(client.get(f"{BASE}/"))
    assert "Zuletzt abgefragt: 01.03.2024 12:00" in page  # Europe/Berlin


def test_add_form_offers_the_registered_types(client, create_org, fakechat, admin_of):
    admin_of(create_org())
    page = html(client.get(f"{BASE}/neu"))
    assert f'href="{BASE}/neu/webform"' in page and f'href="{BASE}/neu/fakechat"' in page
    form = html(client.get(f"{BASE}/neu/fakechat"))
    assert "Zugangstoken" in form and "API-Adresse" in form
    assert client.get(f"{BASE}/neu/nosuchplatform").status_code == 404


def test_generated_webform_secret_is_shown_exactly_once(client, create_org, post_webhook, citizen_message, admin_of):
    org = create_org()
    admin_of(org)
    response = new_webform(client, org)
    assert response.status_code == 303
    page = html(client.get(response.headers["Location"]))
    secret = re.search(r'<code class="secret">([0-9a-f]+)</code>', page).group(1)
    channel = db.session.scalar(select(Channel))
    assert channel.credentials["secret"] == secret and len(secret) == 64
    assert "Nur jetzt sichtbar" in page
    again = html(client.get(response.headers["Location"]))
    assert secret not in again and "Nur jetzt sichtbar" not in again
    assert secret not in html(client.get(f"{BASE}/")) and secret not in html(client.get(f"{BASE}/{channel.id}"))
    assert secret not in audit_text()
    assert post_webhook(channel, citizen_message(), secret=secret).status_code == 200


def test_given_secret_is_stored_encrypted_and_never_shown(client, create_org, admin_of):
    org = create_org()
    admin_of(org)
    secret = "mein-eigener-schluessel-4711"
    created = client.get(new_webform(client, org, credential_secret=secret).headers["Location"])
    channel = db.session.scalar(select(Channel))
    assert channel.credentials == {"secret": secret}
    assert secret not in channel.credentials_encrypted
    edit_page = html(client.get(f"{BASE}/{channel.id}"))
    for page in (html(created), edit_page, html(client.get(f"{BASE}/"))):
        assert secret not in page
    assert 'placeholder="gespeichert"' in edit_page
    assert secret not in audit_text()


def test_edit_keeps_secret_when_left_empty_and_replaces_it_when_given(client, create_org, create_channel,
                                                                      post_webhook, citizen_message, admin_of):
    org = create_org()
    channel = create_channel(org, secret="alter-schluessel-1")
    admin_of(org)
    form = {"name": "Neuer Name", "team": org.teams[0].id, "credential_secret": "", "setting_smtp_host": "mail.local",
            "setting_smtp_port": "2525", "setting_smtp_from": "info@stadt.example"}
    assert client.post_form(f"{BASE}/{channel.id}", form).status_code == 303
    db.session.refresh(channel)
    assert channel.name == "Neuer Name" and channel.credentials["secret"] == "alter-schluessel-1"
    assert channel.settings == {"smtp_host": "mail.local", "smtp_port": "2525", "smtp_from": "info@stadt.example"}
    page = html(client.get(f"{BASE}/{channel.id}"))
    assert 'value="mail.local"' in page and "alter-schluessel-1" not in page

    client.post_form(f"{BASE}/{channel.id}", {**form, "credential_secret": "neuer-schluessel-2",
                                              "setting_smtp_host": ""})
    db.session.refresh(channel)
    assert channel.credentials["secret"] == "neuer-schluessel-2" and "smtp_host" not in channel.settings
    assert "neuer-schluessel-2" not in html(client.get(f"{BASE}/{channel.id}"))
    assert post_webhook(channel, citizen_message(), secret="alter-schluessel-1").status_code == 401
    assert post_webhook(channel, citizen_message(), secret="neuer-schluessel-2").status_code == 200
    assert "neuer-schluessel-2" not in audit_text() and "alter-schluessel-1" not in audit_text()
    updated = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "channel.updated")).all()
    assert updated[-1].detail["credentials_replaced"] == ["secret"]


def test_invalid_settings_show_an_error_and_change_nothing(client, create_org, create_channel, admin_of):
    org = create_org()
    channel = create_channel(org, name="Website")
    admin_of(org)
    response = client.post_form(f"{BASE}/{channel.id}", {"name": "", "team": org.teams[0].id,
                                                         "setting_smtp_port": "fünfundzwanzig"})
    assert response.status_code == 400
    assert "Portnummer" in html(response) and "Bitte einen Namen angeben." in html(response)
    db.session.refresh(channel)
    assert channel.name == "Website" and channel.settings == {}


def test_team_of_another_organization_is_refused(client, create_org, create_channel, admin_of):
    org, other = create_org(), create_org()
    channel = create_channel(org)
    admin_of(org)
    response = client.post_form(f"{BASE}/{channel.id}", {"name": "X", "team": other.teams[0].id})
    assert response.status_code == 400
    db.session.refresh(channel)
    assert channel.team_id == org.teams[0].id
    assert new_webform(client, org, team=other.teams[0].id).status_code == 400
    assert db.session.scalar(select(Channel).where(Channel.name == "Kontaktformular Bürgeramt")) is None


def test_taken_slug_is_a_form_error(client, create_org, create_channel, admin_of):
    org = create_org()
    create_channel(create_org(), slug="rathaus")
    admin_of(org)
    response = new_webform(client, org, slug="rathaus")
    assert response.status_code == 400 and "schon vergeben" in html(response)


def test_disable_and_enable_change_what_the_webhook_answers(client, create_org, create_channel, post_webhook,
                                                           citizen_message, admin_of):
    org = create_org()
    channel = create_channel(org)
    admin_of(org)
    assert client.post_form(f"{BASE}/{channel.id}/deaktivieren").status_code == 303
    assert post_webhook(channel, citizen_message()).status_code == 404
    assert "deaktiviert" in html(client.get(f"{BASE}/"))
    client.post_form(f"{BASE}/{channel.id}/aktivieren")
    assert post_webhook(channel, citizen_message()).status_code == 200
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
               if e.action.startswith("channel.")]
    assert actions[-2:] == ["channel.disabled", "channel.enabled"]


def test_connection_test_shows_the_adapters_message(client, create_org, create_channel, admin_of):
    org = create_org()
    channel = create_channel(org)
    admin_of(org)
    page = html(client.post_form(f"{BASE}/{channel.id}/testen", follow_redirects=True))
    assert "Eingang bereit" in page and "kein SMTP-Server eingetragen" in page


def test_connection_test_reports_unreachable_smtp(client, create_org, create_channel, admin_of, unused_port):
    org = create_org()
    channel = create_channel(org, settings={"smtp_host": "127.0.0.1", "smtp_port": str(unused_port)})
    admin_of(org)
    response = client.post_form(f"{BASE}/{channel.id}/testen", follow_redirects=True)
    assert response.status_code == 200
    assert "SMTP-Verbindung fehlgeschlagen" in html(response)


def test_connection_test_against_the_platform(client, create_org, create_channel, fakechat, fake_api, admin_of):
    from tests.fakeapi import Reply

    org = create_org()
    channel = create_channel(org, "fakechat", settings={"api_url": fake_api.url},
                             credentials={"token": "tok-geheim-123"})
    fake_api.route("GET", "/me", {"name": "Stadt Teststadt"}, Reply(401, {"error": {"message": "Token abgelaufen"}}))
    admin_of(org)
    assert "Verbunden als Stadt Teststadt" in html(client.post_form(f"{BASE}/{channel.id}/testen",
                                                                    follow_redirects=True))
    assert fake_api.received("GET", "/me")[0].headers["Authorization"] == "Bearer tok-geheim-123"
    failed = client.post_form(f"{BASE}/{channel.id}/testen", follow_redirects=True)
    assert failed.status_code == 200
    assert "HTTP 401: Token abgelaufen" in html(failed)


def test_crashing_connection_test_is_a_message_without_the_secret(client, create_org, create_channel, fakechat,
                                                                  monkeypatch, admin_of):
    org = create_org()
    channel = create_channel(org, "fakechat", credentials={"token": "tok-geheim-123"})

    def crash(chan):
        raise RuntimeError(f"cannot reach https://api.example/?access_token={chan.credentials['token']}")

    monkeypatch.setattr(fakechat, "test_connection", crash)
    admin_of(org)
    response = client.post_form(f"{BASE}/{channel.id}/testen", follow_redirects=True)
    assert response.status_code == 200
    assert "cannot reach https://api.example/?access_token=***" in html(response)
    assert "tok-geheim-123" not in html(response)


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_routes(channel_id: int, event_id: int) -> list[tuple[str, str]]:
    return [("get", f"{BASE}/"), ("get", f"{BASE}/neu"), ("get", f"{BASE}/neu/webform"),
            ("post", f"{BASE}/neu/webform"), ("get", f"{BASE}/{channel_id}/angelegt"),
            ("get", f"{BASE}/{channel_id}"), ("post", f"{BASE}/{channel_id}"),
            ("post", f"{BASE}/{channel_id}/aktivieren"), ("post", f"{BASE}/{channel_id}/deaktivieren"),
            ("post", f"{BASE}/{channel_id}/testen"), ("get", f"{BASE}/{channel_id}/ereignisse"),
            ("post", f"{BASE}/{channel_id}/ereignisse/erneut"), ("post", f"{BASE}/ereignisse/{event_id}/erneut")]


def failed_event(channel, post_webhook):
    from inbox.channels.models import RawEvent

    post_webhook(channel, b"kaputt")
    return db.session.scalar(select(RawEvent).where(RawEvent.channel_id == channel.id))


@pytest.mark.parametrize("role", ["editor", "lead", "press_officer"])
def test_other_roles_get_403_on_every_route(client, create_org, create_channel, create_user, auth, post_webhook,
                                            role):
    org = create_org()
    channel = create_channel(org)
    event = failed_event(channel, post_webhook)
    department = create_department(org, "Ordnungsamt", "OA") if role == "press_officer" else None
    db.session.commit()
    auth.login(create_user(org, role, department=department))
    for method, url in admin_routes(channel.id, event.id):
        response = client.get(url) if method == "get" else client.post_form(url, {"name": "x", "status": "failed"})
        assert response.status_code == 403, (method, url)
    db.session.refresh(channel)
    assert channel.enabled and db.session.scalar(select(Channel.name)) == "Kontaktformular"


def test_anonymous_is_sent_to_login(client, create_org, create_channel):
    channel = create_channel(create_org())
    response = client.get(f"{BASE}/{channel.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_channels_of_another_organization_are_404(client, create_org, create_channel, post_webhook, admin_of):
    mine, theirs = create_org(), create_org()
    create_channel(mine, name="Meins")
    channel = create_channel(theirs, name="Fremder Kanal")
    event = failed_event(channel, post_webhook)
    admin_of(mine)
    assert "Fremder Kanal" not in html(client.get(f"{BASE}/"))
    for method, url in admin_routes(channel.id, event.id)[4:]:
        response = client.get(url) if method == "get" else client.post_form(url, {"name": "x", "status": "failed"})
        assert response.status_code == 404, (method, url)
    db.session.refresh(channel)
    assert channel.enabled and channel.name == "Fremder Kanal"


def test_post_without_csrf_token_is_refused(client, create_org, create_channel, admin_of):
    org = create_org()
    channel = create_channel(org)
    admin_of(org)
    assert client.post(f"{BASE}/{channel.id}/deaktivieren").status_code == 400
    assert client.post(f"{BASE}/{channel.id}", data={"name": "Gekapert", "team": org.teams[0].id}).status_code == 400
    response = client.post(f"{BASE}/neu/webform", data={"name": "Neu", "team": org.teams[0].id})
    assert response.status_code == 400
    db.session.refresh(channel)
    assert channel.enabled and channel.name == "Kontaktformular"
    assert db.session.scalar(select(Channel).where(Channel.name == "Neu")) is None


def test_cli_channels_test_runs_the_connection_test(app, create_org, create_channel):
    from inbox.cli import main

    channel = create_channel(create_org())
    result = app.test_cli_runner().invoke(main, ["channels", "test", channel.slug])
    assert result.exit_code == 0, result.output
    assert "Eingang bereit" in result.output
    missing = app.test_cli_runner().invoke(main, ["channels", "test", "gibt-es-nicht"])
    assert missing.exit_code != 0 and "no channel" in missing.output


def test_cli_channels_test_fails_with_the_reason(app, create_org, create_channel, unused_port):
    from inbox.cli import main

    channel = create_channel(create_org(), settings={"smtp_host": "127.0.0.1", "smtp_port": str(unused_port)})
    result = app.test_cli_runner().invoke(main, ["channels", "test", channel.slug])
    assert "SMTP-Verbindung fehlgeschlagen" in result.output



def test_instagram_form_has_login_type_human_agent_and_language(client, create_org, admin_of):
    org = create_org()
    admin_of(org)
    form = html(client.get(f"{BASE}/neu/instagram"))
    assert "Anmeldeart" in form and "Instagram-Login: Instagram-Zugriffstoken" in form
    assert "Berechtigung „Human Agent“ von Meta erteilt" in form and "Seiten-ID der verknüpften Facebook-Seite" in form
    assert "Sprache des Kanals" in form and ">Englisch</option>" in form
    data = {"name": "Instagram Stadt", "team": org.teams[0].id, "credential_app_secret": "geheim",
            "credential_verify_token": "verify", "credential_access_token": "IGAAtoken",
            "setting_login_type": "instagram", "setting_instagram_id": "17841405309211844", "setting_page_id": "",
            "setting_human_agent": "yes", "setting_api_base": "", "setting_language": "en"}
    assert client.post_form(f"{BASE}/neu/instagram", data).status_code == 303
    channel = db.session.scalar(select(Channel))
    assert channel.settings == {"login_type": "instagram", "instagram_id": "17841405309211844",
                                "human_agent": "yes", "language": "en"}
    edit = html(client.get(f"{BASE}/{channel.id}"))
    assert re.search(r'<option selected value="instagram">', edit)
    assert re.search(r'<option selected value="yes">Ja</option>', edit)
    assert re.search(r'<option selected value="en">Englisch</option>', edit)

    refused = client.post_form(f"{BASE}/{channel.id}", {**data, "setting_login_type": "passwort"})
    assert refused.status_code == 400
    client.post_form(f"{BASE}/{channel.id}", {**data, "setting_human_agent": "", "setting_language": ""})
    db.session.refresh(channel)
    assert channel.settings == {"login_type": "instagram", "instagram_id": "17841405309211844"}


def test_messenger_form_has_the_human_agent_setting(client, create_org, create_channel, admin_of):
    org = create_org()
    channel = create_channel(org, "facebook", name="Facebook", settings={"page_id": "1067", "language": "de"})
    admin_of(org)
    form = html(client.get(f"{BASE}/{channel.id}"))
    assert "Berechtigung „Human Agent“ von Meta erteilt" in form and "Anmeldeart" not in form
    # a language stored another way (CLI) stays selected, so saving the form keeps it
    assert re.search(r'<option selected value="de">de</option>', form)
