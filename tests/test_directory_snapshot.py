"""The directory's users and units are kept in memory between form shows (engine/directory/snapshot.py): read
once, reloaded at once after a write in this process and within a second after one on another node."""
from __future__ import annotations

from sqlalchemy import event

from engine.directory import Unit
from engine.directory import snapshot as snapshot_module
from engine.service import Service
from engine.sql.store import SqlStore
from tests.conftest import make_service, sqlite_store


def _offered(service, field="lead_unit"):
    form = next(info.form for info in service.compiled(service.current("hotline")[0].bundle_hash).user_tasks.values()
                if field in info.form.properties)
    return [c["const"] for c in service.form_of(form).properties[field]["oneOf"]]


def _reads_of_users(store):
    seen = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: seen.append(sql)
                 if "FROM users" in sql or "FROM units" in sql else None)
    return seen


def test_a_form_shown_again_reads_no_user_or_unit(tmp_path, clock):
    service = make_service(sqlite_store(tmp_path / "d.db"), clock)
    assert "住建局" in _offered(service)
    reads = _reads_of_users(service.store)
    for _ in range(3):
        assert "住建局" in _offered(service)
    assert reads == []


def test_a_change_on_another_node_is_seen_within_the_check_interval(tmp_path, clock, monkeypatch):
    here = make_service(sqlite_store(tmp_path / "d.db"), clock)
    there = Service(SqlStore(f"sqlite:///{tmp_path / 'd.db'}"), clock)
    assert "新设局" not in _offered(here)
    there.store.put_unit(Unit("新设局", "department"))
    there.directory.add_member("新设局", "dept3")
    assert "新设局" not in _offered(here)             # checked less than a second ago: the kept lists
    monkeypatch.setattr(snapshot_module, "REVISION_CHECK", 0.0)
    assert "新设局" in _offered(here)
    there.store.update_user("dept3", active=False)      # the unit's only member leaves
    assert "新设局" not in _offered(here)


def test_a_change_in_this_process_is_seen_at_once(tmp_path, clock):
    service = make_service(sqlite_store(tmp_path / "d.db"), clock)
    assert "新设局" not in _offered(service)
    service.store.put_unit(Unit("新设局", "department"))
    service.directory.add_member("新设局", "dept3")
    assert "新设局" in _offered(service)
    service.store.update_user("dept3", failed_logins=2)       # not a directory field: no reload
    reads = _reads_of_users(service.store)
    _offered(service)
    assert reads == []


def test_the_form_with_pickers_is_made_once_until_the_directory_changes(tmp_path, clock):
    """The dispatch form with its units filled in (and its validator) is shared between shows and checks; a
    directory write makes a new one with the new choice."""
    service = make_service(sqlite_store(tmp_path / "d.db"), clock)
    form = next(info.form for info in service.compiled(service.current("hotline")[0].bundle_hash).user_tasks.values()
                if "lead_unit" in info.form.properties)
    first = service.form_of(form)
    assert service.form_of(form) is first and first.validator is service.form_of(form).validator
    service.store.put_unit(Unit("新设局", "department"))
    service.directory.add_member("新设局", "dept3")
    again = service.form_of(form)
    assert again is not first and "新设局" in [c["const"] for c in again.properties["lead_unit"]["oneOf"]]
    assert "新设局" not in [c["const"] for c in first.properties["lead_unit"]["oneOf"]]     # never changed
    assert service.form_of(form) is again
