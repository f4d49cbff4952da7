"""Every route checks who is asking: anonymous visitors and the wrong role get nowhere."""

import re

import pytest

# Routes that are public by design: login, the citizen contact form, platform webhooks,
# links that carry their own signed token, and static files.
PUBLIC = re.compile(r"^/(login|static/|kontakt/|webhooks/|portal/link/|rota/feed/)")


def concrete(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)


def guarded_rules(app):
    return [r for r in app.url_map.iter_rules() if not PUBLIC.match(r.rule) and r.endpoint != "static"]


def test_anonymous_visitors_are_sent_to_login(app, client):
    for rule in guarded_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete(rule), method=method)
            # 400: CSRF refuses an anonymous POST before the view runs, which is fine too.
            assert response.status_code in (302, 400, 401, 403, 404), (method, rule.rule, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (method, rule.rule)


@pytest.mark.parametrize("path", ["/inbox", "/conversations/1"])
def test_press_officers_cannot_open_editor_pages(client, auth, create_org, create_user, path):
    from inbox.extensions import db
    from inbox.orgs.operations import create_department

    org = create_org()
    department = create_department(org, "Ordnungsamt", "32")
    db.session.commit()
    auth.login(create_user(org, "press_officer", department=department))
    assert client.get(path).status_code == 403
