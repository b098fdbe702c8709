"""Attacks from a diagram, over HTTP on a live server: each is a clean 422 within ~2 s while /healthz keeps
answering in under 100 ms."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from engine.accounts.users import new_token
from tests.attack_diagrams import attack_bundle

ATTACKS = [  # (where the designer put it, the code)
    ("script", "n = 0\nwhile True:\n    try:\n        while True:\n            n += 1\n    except Exception:\n"
               "        pass"),
    ("script", "x = 1\nwhile True:\n    try:\n        x = x + 1\n    finally:\n        x = 0"),
    ("script", "def f(n):\n    return f(n + 1)\nx = f(0)"),
    ("script", "x = 'a' * 10**8"),
    ("condition", "10**10**8 > 1"),
    ("condition", "len([0] * 10**9) > 1"),
    ("timer", "str(1 << 10**10)"),
    ("timer", "str(sum(i for i in range(1000000) for j in range(1000000)))"),
    ("dmn", "len('a' * 10**8)"),
    ("dmn", "(lambda f: f(f, 60))(lambda f, n: 0 if n < 1 else f(f, n - 1) + f(f, n - 1))"),
]


def _call(url, token=None, body=None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("kind,code", ATTACKS)
def test_attack_is_a_clean_422_and_the_server_keeps_answering(live, kind, code):
    base, app = live
    service = app.extensions["service"]
    service.deploy_files("attack", attack_bundle(kind, code), "designer1")
    token = new_token(service.store, "admin")
    outcome = {}

    def attack():
        started = time.monotonic()
        outcome["status"], outcome["body"] = _call(f"{base}/api/v1/processes/attack/instances", token, {"data": {}})
        outcome["seconds"] = time.monotonic() - started

    attacker = threading.Thread(target=attack)
    attacker.start()
    latencies = []
    while attacker.is_alive():
        started = time.monotonic()
        assert _call(f"{base}/healthz") == (200, {"status": "ok"})
        latencies.append(time.monotonic() - started)
        time.sleep(0.02)
    attacker.join()
    assert outcome["status"] == 422 and outcome["body"]["error"]["code"] == "process_error"
    assert outcome["seconds"] < 3
    # under 100 ms; a machine shared with other test runs may stall a probe or two, but never for long
    fast = [t for t in latencies if t < 0.1]
    assert len(fast) >= 0.9 * len(latencies) and max(latencies) < 1.0, latencies
    assert service.store.list_instances("attack") == []
