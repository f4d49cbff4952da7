"""The README's production install: the wheel alone, outside the checkout, migrates PostgreSQL and serves pages."""

import os
import re
import shutil
import site
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import new_database
from tests.test_cli import free_port

pytestmark = pytest.mark.packaging
ROOT = Path(__file__).resolve().parent.parent


PACKAGING_KEY = "packaging-test-key-of-at-least-32-bytes"


def build_wheel(tmp_path: Path) -> Path:
    # From a copy, so the build leaves no build/ or egg-info in the checkout (and finds no stale ones there).
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "data", "build", "dist", "*.egg-info",
                                                                 "__pycache__", "tests", "bench"))
    run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist")], cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("mitreden-*.whl")
    return wheel


def fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A venv holding only the wheel; its dependencies come from this venv's site-packages, the checkout never."""
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)], cwd=tmp_path)
    packages = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        cwd=tmp_path).stdout.strip())
    (packages / "project_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def wait_for_page(url: str, server: subprocess.Popen, seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, f"no answer from {url}"
            time.sleep(0.2)


def test_the_wheel_installed_outside_the_checkout_migrates_and_serves_the_login_page(tmp_path):
    venv = fresh_venv(tmp_path, build_wheel(tmp_path))
    workdir = tmp_path / "srv"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "REDIS_URL", "MITREDEN_DATA_DIR")}
    located = run([str(venv / "bin" / "python"), "-c", "import inbox; print(inbox.__file__)"], workdir, env)
    assert located.stdout.startswith(str(venv)), located.stdout  # the installed copy, not the checkout

    with new_database("postgresql", tmp_path) as url:
        port = free_port()
        env.update(SECRET_KEY=PACKAGING_KEY, DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
                   MITREDEN_BIND=f"127.0.0.1:{port}", MITREDEN_WEB_WORKERS="1")
        upgrade = run([str(venv / "bin" / "mitreden"), "db", "upgrade"], workdir, env)
        assert "Running upgrade" in upgrade.stderr
        server = subprocess.Popen([str(venv / "bin" / "mitreden"), "serve"], cwd=workdir, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            login = wait_for_page(f"http://127.0.0.1:{port}/login", server)
            stylesheet = requests.get(f"http://127.0.0.1:{port}/static/app.css", timeout=5)
        finally:
            server.terminate()
            log = server.communicate(timeout=30)[1]
    assert login.status_code == 200, log
    assert re.search(r'name="csrf_token"', login.text) and "Anmelden" in login.text
    assert stylesheet.status_code == 200 and "text/css" in stylesheet.headers["Content-Type"]
    # The embedded default's data folder is where the command ran, never inside site-packages.
    assert (workdir / "data").is_dir() and not list(venv.glob("lib/python*/site-packages/data"))
