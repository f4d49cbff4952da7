"""A new password must be long enough and not one that anyone guessing tries first."""

import pytest

from tests.conftest import PASSWORD


def invoke(app, *args, input=None):
    from inbox.cli import main

    return app.test_cli_runner().invoke(main, list(args), input=input)


@pytest.mark.parametrize("password", ["passwort1234", "Passwort2024!", "hallo12345", "qwertzuiop", "1234567890",
                                      "Schalke04!!!", "Sommer2025", "ichliebedich",
                                      "aaaaaaaaaaaa", "abababababab"])
def test_common_passwords_are_refused_when_a_user_is_created(app, create_org, password):
    from inbox.accounts.operations import find_user

    org = create_org(slug="essen")
    result = invoke(app, "users", "create", "neu@essen.example", "--name", "Neu", "--org", org.slug, "--role",
                    "editor", "--team", "redaktion", input=f"{password}\n{password}\n")
    assert result.exit_code != 0
    assert "zu leicht zu erraten" in result.output
    assert find_user("neu@essen.example") is None


def test_short_passwords_are_refused_with_the_length(app):
    from inbox.accounts.passwords import check_new_password

    with pytest.raises(ValueError, match="mindestens 10 Zeichen"):
        check_new_password("hallo123")


@pytest.mark.parametrize("password", [PASSWORD, "ein langes passwort", "Rheinfeld hat 3 Brücken", "mitreden-demo"])
def test_good_passwords_pass(app, password):
    from inbox.accounts.passwords import check_new_password

    check_new_password(password)


def test_the_list_is_shipped_with_german_passwords(app):
    from inbox.accounts.passwords import common_passwords

    listed = common_passwords()
    assert len(listed) > 3000
    assert {"passwort", "hallo123", "123456", "schalke04", "qwertz"} <= listed


def test_the_command_line_says_why_a_password_is_refused(app, create_org):
    """Accounts are created on the command line (the department page no longer creates them)."""
    from inbox.cli import main

    org = create_org()
    result = app.test_cli_runner().invoke(main, ["users", "create", "neu@example.org", "--name", "Nina Neu",
                                                 "--org", org.slug, "--role", "editor"],
                                          input="passwort123\npasswort123\n")
    assert result.exit_code != 0
    assert "zu leicht zu erraten" in result.output
    assert "Traceback" not in result.output
