"""Security headers on every response, no inline script in any page, and login redirects that stay on site."""
from __future__ import annotations

import re
import urllib.request

import pytest

from engine.access import SYSTEM
from tests.conftest import login

EVIL_NEXT = ["/%09/evil.example/", "/\\evil.example", "//evil.example", "https:evil.example",
             "https://evil.example/", "/%0d%0a/evil.example", "javascript:alert(1)", "/\\/evil.example"]


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    login(client, "admin")
    return client


def test_every_kind_of_response_has_the_headers(admin_client):
    for path in ["/", "/login", "/api/v1/tasks", "/healthz", "/nowhere", "/static/app.css"]:
        response = admin_client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp and "img-src 'self' data: blob:" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_event_handlers(app, admin_client):
    started = admin_client.post("/start/hotline", follow_redirects=False)
    task_page = started.headers["Location"]
    pages = ["/", "/login", "/start", "/instances", "/admin/calendar", "/designer/", task_page, "/nowhere"]
    case_id = app.extensions["service"].instances(SYSTEM)[0].id
    pages.append(f"/instances/{case_id}")
    for path in pages:
        html = admin_client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), path
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), path
        assert "javascript:" not in html.lower(), path


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_never_redirects_off_site(app, target):
    client = app.test_client()
    response = client.post(f"/login?next={target}", data={"username": "op1", "password": "demo"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_follows_a_path_on_this_site(app):
    response = app.test_client().post("/login?next=/instances%3Fstatus%3Drunning",
                                      data={"username": "op1", "password": "demo"})
    assert response.headers["Location"] == "/instances?status=running"


def test_the_server_does_not_tell_its_version(live):
    base, _ = live
    with urllib.request.urlopen(f"{base}/healthz") as response:
        server = response.headers.get("Server", "")
    assert "Werkzeug" not in server and "Python" not in server
