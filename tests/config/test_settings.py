"""Settings: TOML defaults, another file, environment overrides, and a required SECRET_KEY."""

import pytest

from config import ConfigError, load_settings


def test_defaults_are_essen_like():
    settings = load_settings({})
    assert settings["app"]["timezone"] == "Europe/Berlin"
    assert settings["app"]["bundesland"] == "NW"
    assert settings["service_hours"]["monday"] == "07:00-22:00"
    assert settings["service_hours"]["sunday"] == "09:00-17:00"
    assert settings["service_hours"]["holiday"] == "09:00-17:00"
    assert settings["sla"]["first_response_minutes"]["normal"] > 0


def test_environment_overrides(tmp_path):
    settings = load_settings({"DATABASE_URL": "postgresql://db/x", "REDIS_URL": "redis://r:6379/1",
                              "MITREDEN_BUNDESLAND": "HH"})
    assert settings["database"]["url"] == "postgresql://db/x"
    assert settings["redis"]["url"] == "redis://r:6379/1"
    assert settings["app"]["bundesland"] == "HH"


def test_another_file_is_merged_over_the_defaults(tmp_path):
    path = tmp_path / "stadt.toml"
    path.write_text('[app]\nbundesland = "BY"\n[service_hours]\nsaturday = "10:00-14:00"\n')
    settings = load_settings({"MITREDEN_CONFIG": str(path)})
    assert settings["app"]["bundesland"] == "BY"
    assert settings["service_hours"]["saturday"] == "10:00-14:00"
    assert settings["service_hours"]["monday"] == "07:00-22:00"


def test_broken_or_missing_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[app\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"MITREDEN_CONFIG": str(broken)})
    with pytest.raises(ConfigError, match="not found"):
        load_settings({"MITREDEN_CONFIG": str(tmp_path / "nope.toml")})


def test_missing_secret_key_is_a_startup_error(monkeypatch, tmp_path):
    from inbox import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"DATA_DIR": str(tmp_path)})


def test_demo_keeps_its_generated_secret(monkeypatch, tmp_path):
    from inbox import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"DEMO": True, "DATA_DIR": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"DEMO": True, "DATA_DIR": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_short_secret_key_is_a_startup_error(monkeypatch, tmp_path):
    from inbox import create_app

    monkeypatch.setenv("SECRET_KEY", "geheim-2024")
    with pytest.raises(ConfigError, match=r"SECRET_KEY is too short \(11 bytes; at least 32"):
        create_app({"DATA_DIR": str(tmp_path)})
    monkeypatch.setenv("SECRET_KEY", "ä" * 16)  # bytes count, not characters
    assert create_app({"DATA_DIR": str(tmp_path)}).config["SECRET_KEY"] == "ä" * 16
    monkeypatch.setenv("SECRET_KEY", "kurz")  # the tests may use any key
    assert create_app({"TESTING": True, "DATA_DIR": str(tmp_path)}).config["SECRET_KEY"] == "kurz"
