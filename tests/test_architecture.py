"""The dependency rule and the no-connection-at-import rule."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "inbox", "rq", "redis", "psycopg")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_scheduling_imports_no_web_or_database_code():
    offenders = {}
    for path in (ROOT / "scheduling").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN or m.startswith("flask_")}
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
    assert offenders == {}


def test_app_factory_connects_to_nothing(tmp_path):
    # Unreachable addresses: creating the app must still succeed, because nothing connects yet.
    code = (
        "from inbox import create_app\n"
        "app = create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'postgresql://nobody@127.0.0.1:1/none',"
        " 'REDIS_URL': 'redis://127.0.0.1:1/0'})\n"
        "print(sorted(app.blueprints))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "webhooks" in result.stdout


def test_web_and_worker_processes_do_not_load_the_solver():
    # OR-Tools brings numpy and pandas (about 80 MB and seconds of start-up per process); only planning a rota
    # needs it, so a web worker or an RQ worker that never plans one must not load it.
    code = (
        "import sys\n"
        "from inbox import create_app, tasks\n"
        "from inbox.asgi import create_asgi_app\n"
        "create_asgi_app()\n"
        "print('ortools' in sys.modules, 'pandas' in sys.modules)\n"
        "import scheduling\n"
        "scheduling.solve\n"
        "print('ortools' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "architecture-test-" + "k" * 32, "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]
