"""The scheduling package must stay free of the web app and its infrastructure."""

import ast
from pathlib import Path

FORBIDDEN = {"flask", "sqlalchemy", "rq", "redis", "inbox"}
PACKAGE = Path(__file__).resolve().parents[2] / "scheduling"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def is_forbidden(root: str) -> bool:
    return root in FORBIDDEN or root.startswith("flask_")


def test_package_has_modules():
    assert len(list(PACKAGE.glob("*.py"))) >= 5


def test_no_forbidden_imports():
    offenders = {p.name: sorted(r for r in imported_roots(p) if is_forbidden(r)) for p in PACKAGE.glob("*.py")}
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def test_detector_catches_flask(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import flask_login\nfrom sqlalchemy.orm import Session\nimport inbox.models\n")
    assert sorted(r for r in imported_roots(sample) if is_forbidden(r)) == ["flask_login", "inbox", "sqlalchemy"]
