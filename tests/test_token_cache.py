"""Bearer tokens with their users are kept in memory for a second (engine/accounts/token_cache.py): a revoke, lock-out or
change of groups in this process takes effect at once, one on another node within the check interval."""
from __future__ import annotations

import datetime as dt

from engine.accounts import token_cache
from engine.accounts.users import new_token, seed_demo_users, token_id_of, user_for_token
from engine.sql.store import SqlStore
from tests.conftest import sqlite_store


def _counting(store):
    calls = []
    real = store.token_with_user
    store.token_with_user = lambda token_hash: calls.append(token_hash) or real(token_hash)
    return calls


def test_a_token_is_read_once_while_fresh(tmp_path):
    store = sqlite_store(tmp_path / "t.db")
    seed_demo_users(store)
    token = new_token(store, "op1")
    calls = _counting(store)
    assert [user_for_token(store, token).name for _ in range(3)] == ["op1"] * 3
    assert len(calls) == 1
    assert user_for_token(store, token + "x") is None and user_for_token(store, token + "x") is None
    assert len(calls) == 2                          # an unknown token is kept as unknown too


def test_a_revoke_or_lock_out_here_takes_effect_at_once(tmp_path):
    store = sqlite_store(tmp_path / "t.db")
    seed_demo_users(store)
    first, second = new_token(store, "op1"), new_token(store, "dept1")
    assert user_for_token(store, first).name == "op1" and user_for_token(store, second).name == "dept1"
    assert store.delete_token(token_id_of(first))
    assert user_for_token(store, first) is None
    store.update_user("dept1", locked_at=dt.datetime.now(dt.timezone.utc))
    assert user_for_token(store, second) is None


def test_a_change_of_groups_here_is_seen_at_once(tmp_path, clock):
    from tests.conftest import make_service
    service = make_service(sqlite_store(tmp_path / "t.db"), clock)
    token = new_token(service.store, "dept3")
    assert "dept:新设局" not in user_for_token(service.store, token).groups
    from engine.directory import Unit
    service.store.put_unit(Unit("新设局", "department"))
    service.directory.add_member("新设局", "dept3")
    assert "dept:新设局" in user_for_token(service.store, token).groups


def test_a_revoke_on_another_node_is_seen_within_the_check_interval(tmp_path, monkeypatch):
    here = sqlite_store(tmp_path / "t.db")
    there = SqlStore(f"sqlite:///{tmp_path / 't.db'}")
    seed_demo_users(here)
    token = new_token(here, "op1")
    assert user_for_token(here, token).name == "op1"
    assert there.delete_token(token_id_of(token))
    assert user_for_token(here, token).name == "op1"        # read less than a second ago: kept
    monkeypatch.setattr(token_cache, "TOKEN_CHECK", 0.0)
    assert user_for_token(here, token) is None


def test_an_expired_token_is_refused_though_kept(tmp_path):
    store = sqlite_store(tmp_path / "t.db")
    seed_demo_users(store)
    token = new_token(store, "op1", days=1)
    now = dt.datetime.now(dt.timezone.utc)
    assert user_for_token(store, token, now).name == "op1"
    assert user_for_token(store, token, now + dt.timedelta(days=2)) is None
