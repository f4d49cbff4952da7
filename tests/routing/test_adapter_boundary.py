"""Only the rota adapter (and forwarding's business-time module) may import `scheduling` inside inbox/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"inbox/rota/adapter.py", "inbox/forwarding/business_time.py"}


def imports_scheduling(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "scheduling" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "scheduling":
            return True
    return False


def test_only_the_adapter_imports_scheduling():
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "inbox").rglob("*.py"))
                 if str(p.relative_to(ROOT)) not in ALLOWED and imports_scheduling(p)]
    assert offenders == []
    assert imports_scheduling(ROOT / "inbox/rota/adapter.py")
