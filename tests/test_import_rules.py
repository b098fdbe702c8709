"""Layering: engine/ never imports Flask; SpiffWorkflow only in the engine's adapters; SQLAlchemy only in the
SQL store (sql_store, sql_tables) and its migrations."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIFF_ADAPTERS = {"engine/library.py", "engine/runtime.py", "engine/scripting.py", "engine/audit/trace.py"}
SQL_MODULES = {"engine/sql_store.py", "engine/sql_tables.py", "engine/sql_audit.py", "engine/sql_stats.py",
               "engine/sql_bulletins.py", "engine/sql_staff.py", "engine/sql_accounts.py", "engine/sql_rota.py",
               "engine/sql_engine.py", "engine/sql_catalog.py", "engine/sql_case_reads.py"}


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


def test_sqlalchemy_only_in_sql_store_and_migrations():
    users = {m for folder in ("engine", "webapp") for m, names in modules(folder)
             if names & {"sqlalchemy", "alembic"} and "/migrations/" not in m and not m.endswith("migrations/__init__.py")}
    assert users == SQL_MODULES
    assert all(m.startswith("engine/sql_") for m in SQL_MODULES)
