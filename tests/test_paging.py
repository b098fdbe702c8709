"""Every list is paged: `limit` (default 50, max 500) and a cursor; a walk returns every row once; bad values are
a 422 with field errors (API) or a 400 page (web)."""
from __future__ import annotations

import re

import pytest

from engine.access import Actor
from engine.accounts.users import new_token
from tests.conftest import login

OPERATOR = Actor.of("op1", ["operators"])
CASES = 7


@pytest.fixture
def client(app):
    service = app.extensions["service"]
    for _ in range(CASES):
        service.start("hotline", {}, OPERATOR)
    return app.test_client()


def bearer(app, name) -> dict:
    return {"Authorization": f"Bearer {new_token(app.extensions['service'].store, name)}"}


def walk_api(client, url, headers, key="id") -> list:
    """Follow X-Next-Cursor (and check the Link header names the same page) until the last page."""
    seen, pages = [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        seen += [row[key] for row in response.get_json()]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor:
            assert f"cursor={cursor}" in response.headers["Link"] and 'rel="next"' in response.headers["Link"]
            base = url.split("&cursor=")[0]
            url = f"{base}&cursor={cursor}"
        else:
            assert "Link" not in response.headers
            url = None
        pages += 1
    return seen, pages


@pytest.mark.parametrize("url, user, key, total", [
    ("/api/v1/tasks?limit=3", "op1", "id", CASES),
    ("/api/v1/instances?limit=3", "op1", "id", CASES),
    ("/api/v1/units?limit=4", "admin", "name", None),
    ("/api/v1/users?limit=5", "admin", "name", None),
])
def test_a_cursor_walk_returns_every_row_once(app, client, url, user, key, total):
    headers = bearer(app, user)
    seen, pages = walk_api(client, url, headers, key)
    everything = client.get(re.sub(r"limit=\d+", "limit=500", url), headers=headers).get_json()
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == {row[key] for row in everything}
    if total is not None:
        assert len(seen) == total
    assert pages == -(-len(seen) // int(re.search(r"limit=(\d+)", url)[1]))
    assert pages > 1


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/instances", "/api/v1/units", "/api/v1/users"])
@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
                                          ("limit=-1", "limit"), ("cursor=%%%", "cursor"),
                                          ("cursor=WzEsMl0", "cursor")])
def test_bad_limit_or_cursor_is_a_422_with_the_field(app, client, path, query, field):
    response = client.get(f"{path}?{query}", headers=bearer(app, "admin"))
    assert response.status_code == 422, (path, query, response.data[:200])
    body = response.get_json()["error"]
    assert body["code"] == "invalid" and field in body["fields"]


def test_default_page_is_50_and_500_is_the_most(app, client):
    service = app.extensions["service"]
    for _ in range(51 - CASES):
        service.start("hotline", {}, OPERATOR)
    headers = bearer(app, "op1")
    first = client.get("/api/v1/tasks", headers=headers)
    assert len(first.get_json()) == 50 and first.headers["X-Next-Cursor"]
    assert len(client.get("/api/v1/instances", headers=headers).get_json()) == 50
    assert len(client.get("/api/v1/tasks?limit=500", headers=headers).get_json()) == 51


def test_lists_are_summaries_not_case_data(app, client):
    headers = bearer(app, "op1")
    for row in client.get("/api/v1/instances", headers=headers).get_json():
        assert "data" not in row and "state" not in row
    for row in client.get("/api/v1/tasks", headers=headers).get_json():
        assert "data" not in row


def walk_web(client, url) -> tuple[list[str], int]:
    seen, pages = [], 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        seen += re.findall(r'href="/instances/([0-9a-f-]{36})"', html)
        nxt = re.search(r'id="next-page" href="([^"]+)"', html)
        url = nxt and nxt[1].replace("&amp;", "&")
        pages += 1
    return seen, pages


def test_web_case_list_is_paged(app, client):
    login(client, "op1")
    seen, pages = walk_web(client, "/instances?limit=3")
    assert len(seen) == len(set(seen)) == CASES and pages == 3
    assert client.get("/instances?limit=9999").status_code == 400


def test_figure_drill_down_is_paged(app, client):
    login(client, "audit1")
    url = "/stats/cases?figure=cases&process=hotline&from=2026-11-01&to=2026-11-30"
    everything, _ = walk_web(client, url)
    seen, pages = walk_web(client, url + "&limit=2")
    assert len(everything) == CASES and sorted(seen) == sorted(everything) and pages == 4
    assert client.get(url + "&limit=0").status_code == 400
    assert client.get(url + "&cursor=nonsense").status_code == 400


# -- the directory, accounts, deployment log, notifications, comments and files -------------------------------

def walk(client, url, rows, headers=None, next_link=None) -> tuple[list, int]:
    """Follow the pages of `url` (API: X-Next-Cursor; web: the `next_link(html)` href); `rows(response)` names
    the rows of a page."""
    seen, pages = [], 0
    while url:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, (url, response.data[:300])
        seen += rows(response)
        pages += 1
        if next_link is None:
            cursor = response.headers.get("X-Next-Cursor")
            assert (cursor is None) == ("Link" not in response.headers)
            url = cursor and re.sub(r"&cursor=[^&]*|$", f"&cursor={cursor}", url, count=1)
        else:
            found = next_link(response.get_data(as_text=True))
            url = found and found.replace("&amp;", "&")
    assert len(seen) == len(set(seen)), "a row came twice"
    return seen, pages


@pytest.fixture
def case_with_work(app, client):
    """A case with 7 comments and 7 files (all at the same instant: the keyset's tie-breaker is tested)."""
    service = app.extensions["service"]
    iid = service.store.list_instances(limit=1)[0].id
    for i in range(CASES):
        service.add_comment(iid, OPERATOR, f"意见{i}")
        service.add_attachment(iid, OPERATOR, f"照片{i}.png", b"\x89PNG " + bytes([i]))
    return iid


def _comments(response):
    return [c["seq"] for c in response.get_json()]


def _files(response):
    return [f["id"] for f in response.get_json()]


def _notes(response):
    return [n["id"] for n in response.get_json()["items"]]


def test_api_comments_files_and_notifications_walk_newest_first(app, client, case_with_work):
    headers, iid = bearer(app, "op1"), case_with_work
    for path, rows, total in [(f"/api/v1/instances/{iid}/comments?limit=3", _comments, CASES),
                              (f"/api/v1/instances/{iid}/attachments?limit=3", _files, CASES),
                              ("/api/v1/notifications?limit=2", _notes, None)]:
        seen, pages = walk(client, path, rows, headers)
        everything = rows(client.get(path.replace("limit=3", "limit=500").replace("limit=2", "limit=500"),
                                     headers=headers))
        assert seen == everything and pages > 1, path           # the same rows in the same order
        assert total is None or len(seen) == total
    assert _comments(client.get(f"/api/v1/instances/{iid}/comments", headers=headers)) == sorted(
        _comments(client.get(f"/api/v1/instances/{iid}/comments", headers=headers)), reverse=True)
    texts = [c["text"] for c in client.get(f"/api/v1/instances/{iid}/comments?limit=2", headers=headers).get_json()]
    assert texts == ["意见6", "意见5"]


@pytest.mark.parametrize("path", ["/api/v1/notifications", "/api/v1/instances/{iid}/comments",
                                  "/api/v1/instances/{iid}/attachments"])
@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit"),
                                          ("cursor=%%%", "cursor"), ("cursor=WzEsMl0", "cursor"),
                                          ("cursor=WyJ4Il0", "cursor")])      # ["x"]: not a number
def test_bad_page_of_the_staff_lists_is_a_422(app, client, case_with_work, path, query, field):
    response = client.get(f"{path.format(iid=case_with_work)}?{query}", headers=bearer(app, "op1"))
    assert response.status_code == 422, response.data[:200]
    assert field in response.get_json()["error"]["fields"]


def test_api_comments_default_50_max_500(app, client, case_with_work):
    service = app.extensions["service"]
    for i in range(51 - CASES):
        service.add_comment(case_with_work, OPERATOR, f"更多{i}")
    headers, url = bearer(app, "op1"), f"/api/v1/instances/{case_with_work}/comments"
    first = client.get(url, headers=headers)
    assert len(first.get_json()) == 50 and first.headers["X-Next-Cursor"]
    assert len(client.get(url + "?limit=500", headers=headers).get_json()) == 51
    assert len(client.get(f"{url}?cursor={first.headers['X-Next-Cursor']}", headers=headers).get_json()) == 1


def _link(anchor):
    return lambda html: (re.search(rf'id="{anchor}" href="([^"]+)"', html) or [None, None])[1]


def _cells(pattern):
    return lambda response: re.findall(pattern, response.get_data(as_text=True))


def test_web_directory_units_and_users_are_paged(app, client):
    login(client, "admin")
    store = app.extensions["service"].store
    units = _cells(r'<tr class="(?:unstaffed)?">\s*<td>([^<]+)</td>')
    seen, pages = walk(client, "/admin/directory?limit=4", units, next_link=_link("units-next"))
    assert sorted(seen) == sorted(u.name for u in store.units()) and pages == -(-len(seen) // 4)
    users = _cells(r'name="user" value="([^"]+)"><input type="hidden" name="active"')
    seen, pages = walk(client, "/admin/directory?limit=5", users, next_link=_link("users-next"))
    assert seen == [u.name for u in store.users()] and pages == -(-len(seen) // 5) > 1
    assert len(units(client.get("/admin/directory"))) == min(50, len(store.units()))


def test_web_accounts_are_paged_with_their_tokens(app, client):
    login(client, "admin")
    store = app.extensions["service"].store
    token = new_token(store, "dept1").split(".")[0]
    accounts = _cells(r'<tr><td>[^<]*<code>([^<]+)</code></td>')
    seen, pages = walk(client, "/admin/accounts/?limit=6", accounts, next_link=_link("next-page"))
    assert seen == [u.name for u in store.users()] and pages > 1
    assert f"<code>{token}</code>" in client.get("/admin/accounts/?limit=500").get_data(as_text=True)
    assert client.get("/admin/accounts/?limit=501").status_code == 400
    assert client.get("/admin/accounts/?cursor=WzEsMl0").status_code == 400


def test_web_deployment_log_is_paged(app, client):
    login(client, "admin")
    store = app.extensions["service"].store
    rows = _cells(r'<tr id="v([^"]+)">')
    seen, pages = walk(client, "/designer/log?limit=2", rows, next_link=_link("next-page"))
    everything = rows(client.get("/designer/log?limit=500"))
    assert seen == everything and len(seen) == len(store.deployments()) and pages == -(-len(seen) // 2) > 1
    assert client.get("/designer/log?limit=0").status_code == 400
    assert client.get("/designer/log?cursor=WyJob3RsaW5lIiwieCJd").status_code == 400      # ["hotline","x"]


def test_web_notifications_are_paged(app, client):
    login(client, "op1")
    rows = _cells(r'<li class="(?:unread)?"><span class="badge badge-[a-z_]+">[^<]*</span>\s*(?:<a href="[^"]+">)?'
                  r'([^<]+)')
    everything = rows(client.get("/notifications?limit=500"))
    seen, pages = walk(client, "/notifications?limit=3", rows, next_link=_link("next-page"))
    assert len(seen) == len(everything) == CASES and pages == 3
    assert client.get("/notifications?limit=9999").status_code == 400
    bad = client.get("/notifications?cursor=nonsense")
    assert bad.status_code == 400 and "翻页" in bad.get_data(as_text=True)


def test_web_case_page_pages_comments_and_files(app, client, case_with_work):
    login(client, "op1")
    comments = _cells(r'<p>(意见\d)</p>')
    files = _cells(r'>(照片\d\.png)</a>')
    url = f"/instances/{case_with_work}?limit=3"
    seen, pages = walk(client, url, comments, next_link=_link("comments-next"))
    assert seen == [f"意见{i}" for i in reversed(range(CASES))] and pages == 3
    seen, pages = walk(client, url, files, next_link=_link("files-next"))
    assert sorted(seen) == sorted(f"照片{i}.png" for i in range(CASES)) and pages == 3
    assert client.get(f"/instances/{case_with_work}?limit=0").status_code == 400
    assert client.get(f"/instances/{case_with_work}?files_cursor=WyJ4IiwieSJd").status_code == 400


def test_web_default_page_is_50(app, client):
    from engine.store import User
    store = app.extensions["service"].store
    for i in range(60):
        store.add_user(User(f"zz{i:02d}", "x", [], ""))
    login(client, "admin")
    html = client.get("/admin/accounts/").get_data(as_text=True)
    assert len(re.findall(r'<tr><td>[^<]*<code>', html)) == 50 and 'id="next-page"' in html
    assert 'id="next-page"' not in client.get("/admin/accounts/?limit=500").get_data(as_text=True)


def _walk_store(fetch, key, limit=3) -> list:
    """Keyset pages straight from a store: `fetch(after, limit)`, `key(row)` the cursor of the last row."""
    seen, after = [], None
    while True:
        rows = fetch(after, limit + 1)
        seen += rows[:limit]
        if len(rows) <= limit:
            return seen
        after = key(rows[limit - 1])


def test_every_store_pages_by_keyset(store, clock):
    """Memory, SQLite and PostgreSQL give the same pages: each row once, in the list's order."""
    from tests.conftest import make_service
    service = make_service(store, clock)
    iid = service.start("hotline", {}, OPERATOR).id
    for i in range(CASES):
        service.add_comment(iid, OPERATOR, f"意见{i}")
        service.add_attachment(iid, OPERATOR, f"照片{i}.png", b"\x89PNG " + bytes([i]))
    new_token(store, "op1")
    units = _walk_store(lambda after, n: store.units(after, n), lambda u: (u.type, u.name))
    assert [u.name for u in units] == [u.name for u in store.units()] and len(units) > 3
    log = _walk_store(lambda after, n: store.deployment_log(None, after, n), lambda d: (d.process_key, d.version))
    assert [(d.process_key, d.version) for d in log] == sorted(((d.process_key, d.version)
                                                               for d in store.deployments()),
                                                              key=lambda k: (k[0], -k[1]))
    comments = _walk_store(lambda before, n: store.events_of_type(iid, "comment", before, n), lambda e: e.seq)
    assert [e.data["text"] for e in comments] == [f"意见{i}" for i in reversed(range(CASES))]
    files = _walk_store(lambda before, n: store.attachments(iid, before, n), lambda m: (m["uploaded_at"], m["id"]))
    assert sorted(m["name"] for m in files) == sorted(f"照片{i}.png" for i in range(CASES))
    assert [m["id"] for m in files] == [m["id"] for m in store.attachments(iid)]
    notes = _walk_store(lambda before, n: store.notifications(["op1", "operators"], n, before), lambda r: r["id"])
    assert [r["id"] for r in notes] == [r["id"] for r in store.notifications(["op1", "operators"], 500)]
    assert notes and [t.user_name for t in store.tokens_for(["op1", "dept1"])] == ["op1"]
