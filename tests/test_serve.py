"""`make serve`: the launcher starts gunicorn and the timer workers, prepares the database without demo
data, and stops everything on Ctrl-C; the production switches (Secure cookie, ProxyFix) take effect."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.conftest import ROOT
from webapp import create_app
from webapp.serve import default_workers, gunicorn_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True,
                          text=True).stdout.strip()[:1] not in ("", "Z")


def get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_healthy(base: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the launcher exited early"
        try:
            if get(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} never became healthy")


def test_workers_follow_the_core_count_unless_set():
    assert default_workers(2) == 2 and default_workers(8) == 8 and default_workers(1) == 2
    assert gunicorn_command({})[gunicorn_command({}).index("--threads") + 1] == "4"
    command = gunicorn_command({"WORKERS": "3", "BIND": "127.0.0.1:5999"})
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--bind") + 1] == "127.0.0.1:5999"
    assert "--worker-tmp-dir" in command and command[command.index("--access-logfile") + 1] == "-"


def test_serve_prepares_without_demo_data_serves_and_stops_everything_on_ctrl_c(tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", BIND=f"127.0.0.1:{port}",
               WORKERS="2", WORKER_PROCS="1", WORKER_INTERVAL="1", SECRET_KEY="x" * 32)
    proc = subprocess.Popen([sys.executable, "-m", "webapp.serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        kids = children_of(proc.pid)
        assert len(kids) == 2                                  # gunicorn master + one engine worker
        gunicorn_master = next(k for k in kids if children_of(k))
        assert len(children_of(gunicorn_master)) == 2          # WORKERS=2
        assert get(base + "/api/v1/processes", {"Authorization": "Basic b3AxOmRlbW8="})[0] == 401  # no op1
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert not any(alive(k) for k in kids), "a child outlived the launcher"
    assert "GET /healthz" in output                            # access log on stdout
    assert "hotline" in output                                 # `processes load` ran first


def test_cookie_secure_and_proxy_fix_from_the_environment(monkeypatch, app):
    monkeypatch.setenv("COOKIE_SECURE", "1")
    monkeypatch.setenv("PROXY_COUNT", "1")
    prod = create_app({"TESTING": True, "SECRET_KEY": "test"}, service=app.extensions["service"])
    assert prod.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_SECURE"] is False

    from webapp.guard import address
    for each in (prod, app):
        each.add_url_rule("/_address", "address", lambda: {"address": address()})
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert prod.test_client().get("/_address", headers=forwarded).get_json()["address"] == "203.0.113.7"
    assert app.test_client().get("/_address", headers=forwarded).get_json()["address"] == "127.0.0.1"
