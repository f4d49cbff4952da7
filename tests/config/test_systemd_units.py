"""The systemd units the README's production set-up names: they run the commands and restart them always."""

import configparser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((ROOT / "config" / name).read_text())
    return parser


@pytest.mark.parametrize(("name", "command"), [("mitreden-web.service", "mitreden serve"),
                                               ("mitreden-worker@.service", "mitreden worker")])
def test_unit_runs_the_command_and_restarts_it_always(name, command):
    service = unit(name)["Service"]
    assert service["ExecStart"].endswith(command)
    assert service["Restart"] == "always"
    assert unit(name)["Unit"]["StartLimitIntervalSec"] == "0"  # systemd never stops restarting it
    assert f"config/{name}" in (ROOT / "README.md").read_text()
