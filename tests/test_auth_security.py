"""Authentication under attack: throttling, lock-out, bounded hashing, no browser prompt, no cross-site
writes, sessions that end at logout, expiring and revocable tokens."""
from __future__ import annotations

import io
import threading
import time

import pytest

from engine.accounts import users as accounts
from engine.access import SYSTEM
from tests.conftest import login, sqlite_store
from tests.test_api import basic

START = "/api/v1/processes/hotline/instances"


@pytest.fixture
def client(app):
    return app.test_client()


def cases(app):
    return len(app.extensions["service"].instances(SYSTEM, "hotline"))


def test_wrong_passwords_are_throttled_then_lock_the_account_until_an_admin_unlocks_it(app, client, clock):
    for _ in range(5):
        assert login(client, "dept1", "wrong").status_code == 401
    assert login(client, "dept1", "demo").status_code == 429           # throttled, password not even checked
    assert client.get("/api/v1/tasks", headers=basic("dept1")).status_code == 429
    clock.advance(minutes=16)
    for _ in range(5):
        login(client, "dept1", "wrong")
    locked = login(client, "dept1", "demo")
    assert locked.status_code == 403 and "锁定" in locked.get_data(as_text=True)
    clock.advance(minutes=16)
    assert client.get("/api/v1/tasks", headers=basic("dept1")).get_json()["error"]["code"] == "locked"
    assert app.test_cli_runner().invoke(args=["users", "unlock", "dept1"]).exit_code == 0
    assert login(client, "dept1", "demo").status_code == 302
    assert client.get("/api/v1/tasks", headers=basic("dept1")).status_code == 200


def test_one_address_guessing_many_accounts_is_throttled(client):
    for name in [f"user{i}" for i in range(20)]:
        assert client.get("/api/v1/tasks", headers=basic(name, "guess")).status_code == 401
    assert client.get("/api/v1/tasks", headers=basic("op1")).status_code == 429
    other = {"REMOTE_ADDR": "10.0.0.9"}
    assert client.get("/api/v1/tasks", headers=basic("op1"), environ_overrides=other).status_code == 200


def test_at_most_two_password_hashes_run_at_once(monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()

    def slow_verify(_hash, _password):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return False

    class SlowHasher:
        verify = staticmethod(slow_verify)

    monkeypatch.setattr(accounts, "_hasher", SlowHasher())
    user = accounts.User("u", "$argon2id$whatever", [])
    threads = [threading.Thread(target=accounts.check_password, args=(user, f"p{i}")) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == accounts.HASH_SLOTS == 2


def test_the_api_never_asks_the_browser_for_a_password(client):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401 and "basic" not in response.headers.get("WWW-Authenticate", "").lower()


@pytest.mark.parametrize("headers,body,status", [
    ({"Sec-Fetch-Site": "cross-site"}, {"json": {"data": {}}}, 403),
    ({"Sec-Fetch-Site": "same-site"}, {"json": {"data": {}}}, 403),
    ({"Origin": "https://evil.example"}, {"json": {"data": {}}}, 403),
    ({}, {"data": {"data": "x"}, "content_type": "application/x-www-form-urlencoded"}, 415),
    ({}, {"data": '{"data": {}}', "content_type": "text/plain"}, 415),
    ({"Origin": "https://evil.example"}, {"data": {"f": (io.BytesIO(b"x"), "a.txt")},
                                          "content_type": "multipart/form-data"}, 403),
])
def test_a_cross_site_or_form_post_changes_nothing(app, client, headers, body, status):
    response = client.post(START, headers={**basic("op1"), **headers}, **body)
    assert response.status_code == status and response.is_json
    assert cases(app) == 0


def test_same_origin_and_script_calls_still_work(app, client):
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    assert client.post(START, json={"data": {}}, headers={**basic("op1"), **same}).status_code == 201
    assert client.post(START, json={"data": {}}, headers=basic("op1")).status_code == 201
    bpmn = app.extensions["service"].current("hotline")[1].bundle.files["hotline.bpmn"]
    deploy = client.post("/api/v1/processes/hotline/versions", headers=basic("designer1"),
                         data={"f": (io.BytesIO(bpmn.replace("12345", "12345 ").encode()), "hotline.bpmn")},
                         content_type="multipart/form-data")
    assert deploy.status_code == 201
    assert cases(app) == 2


def test_logout_and_password_change_end_the_session_on_the_server(app, client):
    login(client, "op1")
    stolen = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302                  # back to the login page
    login(client, "op1")
    cookie = client.get_cookie("session").value
    result = app.test_cli_runner().invoke(args=["users", "password", "op1", "--password", "new-pass"],)
    assert result.exit_code == 0, result.output
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 302
    assert login(app.test_client(), "op1", "new-pass").status_code == 302


def test_tokens_expire_and_can_be_listed_and_revoked(app, client, clock):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["users", "token", "op1", "--days", "1"]).output.strip()
    other = runner.invoke(args=["users", "token", "op1"]).output.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 200
    listed = runner.invoke(args=["users", "tokens", "op1"]).output
    assert token.split(".")[0] in listed and other.split(".")[0] in listed and "expires 2026-11-24" in listed
    clock.advance(days=2)
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 401
    assert "(expired)" in runner.invoke(args=["users", "tokens", "op1"]).output
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert runner.invoke(args=["users", "revoke", other.split(".")[0]]).exit_code == 0
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert runner.invoke(args=["users", "revoke", "nope"]).exit_code != 0


def test_the_api_rate_limit_is_shared_by_app_nodes(tmp_path, clock):
    from engine.accounts.users import seed_demo_users
    from tests.conftest import make_service
    from webapp import create_app
    store = sqlite_store(tmp_path / "shared.db")
    seed_demo_users(store)
    config = {"TESTING": True, "SECRET_KEY": "t", "API_RATE_PER_ACCOUNT": 40}
    nodes = [create_app(config, service=make_service(store, clock)).test_client() for _ in range(2)]
    token = accounts.new_token(store, "op1", now=clock.now())
    bearer = {"Authorization": f"Bearer {token}"}
    assert all(nodes[0].get("/api/v1/tasks", headers=bearer).status_code == 200 for _ in range(30))
    answers = [nodes[1].get("/api/v1/tasks", headers=bearer).status_code for _ in range(30)]
    assert answers[:10] == [200] * 10 and 429 in answers
    assert nodes[1].get("/api/v1/tasks", headers=basic("op2")).status_code == 401     # others unaffected


def test_admin_page_unlocks_accounts_and_revokes_tokens(app, client, clock):
    store = app.extensions["service"].store
    store.update_user("dept2", locked_at=clock.now(), failed_logins=10)
    token = accounts.new_token(store, "dept2", now=clock.now())
    assert login(app.test_client(), "dept2").status_code == 403
    operator = app.test_client()
    login(operator, "op1")
    assert operator.get("/admin/accounts/").status_code == 403
    login(client, "admin")
    page = client.get("/admin/accounts/").get_data(as_text=True)
    assert "已锁定" in page and token.split(".")[0] in page
    client.post("/admin/accounts/dept2/unlock")
    assert login(app.test_client(), "dept2").status_code == 302
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 200
    client.post("/admin/accounts/tokens/revoke", data={"token_id": token.split(".")[0]})
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 401
    client.get("/admin/accounts/")                  # the flash message names the token once
    assert token.split(".")[0] not in client.get("/admin/accounts/").get_data(as_text=True)
