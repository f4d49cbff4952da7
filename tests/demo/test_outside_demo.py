"""Outside the demo there is no Demo-Postausgang: nothing would fill it."""


def test_the_outbox_exists_only_in_the_demo(app, client, auth, create_org, create_user):
    assert "demo.outbox" not in app.view_functions
    auth.login(create_user(create_org(), "admin"))
    assert client.get("/admin/demo-postausgang/").status_code == 404
    assert "Demo-Postausgang" not in client.get("/inbox").get_data(as_text=True)
