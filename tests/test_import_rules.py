"""Layering: engine/ never imports Flask; SpiffWorkflow only in the engine's adapters; SQLAlchemy only in the
SQL store (engine/sql/) and its migrations."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIFF_ADAPTERS = {"engine/library.py", "engine/runtime.py", "engine/workflow_state.py", "engine/sandbox/scripting.py",
                  "engine/audit/trace.py"}
SQL_MODULES = {"engine/sql/store.py", "engine/sql/tables.py", "engine/sql/audit.py", "engine/sql/stats.py",
               "engine/sql/bulletins.py", "engine/sql/staff.py", "engine/sql/accounts.py", "engine/sql/rota.py",
               "engine/sql/engine.py", "engine/sql/catalog.py", "engine/sql/case_reads.py", "engine/sql/direct.py"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(folder: str):
    return [(str(p.relative_to(ROOT)), imports(p)) for p in (ROOT / folder).rglob("*.py")]


def test_engine_never_imports_flask():
    assert [m for m, names in modules("engine") if names & {"flask", "flask_login", "flask_wtf", "werkzeug"}] == []


def test_spiffworkflow_only_in_adapters():
    users = {m for folder in ("engine", "webapp") for m, names in modules(folder) if "SpiffWorkflow" in names}
    assert users <= SPIFF_ADAPTERS and users


def test_sqlalchemy_only_in_the_sql_package_and_migrations():
    users = {m for folder in ("engine", "webapp") for m, names in modules(folder)
             if names & {"sqlalchemy", "alembic"} and "/migrations/" not in m and not m.endswith("migrations/__init__.py")}
    assert users == SQL_MODULES
    assert all(m.startswith("engine/sql/") for m in SQL_MODULES)
