"""Every list is paged: `limit` (default 50, max 500) and a cursor; a walk returns every row once; bad values are
a 422 with field errors (API) or a 400 page (web)."""
from __future__ import annotations

import re

import pytest

from engine.access import Actor
from engine.accounts import new_token
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
