"""Two app nodes (gunicorn, separate processes) and two `engine worker` processes on one PostgreSQL schema:
hotline tickets walked to the department across both nodes, some accepts raced on purpose, timers made due
for the workers. Nothing is lost or done twice, each timer fires once, every hash chain holds. And the
notifications a step makes on one node reach their user on the other (badge, list, read marker)."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.accounts.users import seed_demo_users
from engine.clock import SystemClock
from tests.conftest import ROOT, make_service, pg_url_in
from tests.test_api import DISPATCH
from tests.test_serve import free_port, wait_healthy
from webapp.demo import EXAMPLES

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]
TICKETS, ACCEPTED, RACED = 20, range(0, 14), range(0, 14, 4)    # 14 accepted (4 of them raced), 6 left at accept


def auth(name):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:demo".encode()).decode()}


def call(base, method, path, body=None, user="op1"):
    data = None if body is None else json.dumps(body).encode()
    headers = dict(auth(user), **({"Content-Type": "application/json"} if data else {}))
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Nodes:
    """Two gunicorn servers and two timer workers on one database, stopped together."""

    def __init__(self, url):
        self.env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="two-nodes-test", PYTHONUNBUFFERED="1")
        self.bases, self.procs = [], []
        for _ in range(2):
            port = free_port()
            self.bases.append(f"http://127.0.0.1:{port}")
            self.procs.append(self._spawn(self.env, [
                sys.executable, "-m", "gunicorn", "webapp:create_app()", "--bind", f"127.0.0.1:{port}",
                "--workers", "2", "--worker-tmp-dir", "/tmp"]))

    def start_workers(self, worker_now):
        """Two timer workers whose clock is past every deadline (started once the tickets are where the test
        wants them: a unit's sign-off is chased too, so a worker running during the walk would race it)."""
        for _ in range(2):
            self.procs.append(self._spawn(self.env, [sys.executable, "-m", "flask", "--app", "webapp", "engine",
                                                     "worker", "--interval", "0.3", "--now", worker_now]))

    @staticmethod
    def _spawn(env, args):
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def complete(base, task, data, user):
    return call(base, "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data}, user)


def the_task(instance, name):
    [task] = [t for t in instance["ready_tasks"] if t["name"] == name]
    return task


def walk(nodes, i, results):
    """Start, register, dispatch (op1), accept (dept1): each step on the other node than the one before."""
    node = lambda step: nodes.bases[(i + step) % 2]  # noqa: E731
    status, inst = call(node(0), "POST", "/api/v1/processes/hotline/instances", {"data": {}})
    assert status == 201, inst
    for step, (name, data) in enumerate((("register", EXAMPLES[0]), ("dispatch", DISPATCH)), start=1):
        status, inst = complete(node(step), the_task(inst, name), data, "op1")
        assert status == 200, (name, inst)
    results[i] = {"id": inst["id"], "accepts": []}
    if i in ACCEPTED:
        accept = the_task(inst, "accept")
        racers = 2 if i in RACED else 1
        barrier = threading.Barrier(racers)

        def accept_on(n):
            barrier.wait()
            results[i]["accepts"].append(complete(node(3 + n), accept, {"decision": "accept"}, "dept1")[0])
        threads = [threading.Thread(target=accept_on, args=(n,)) for n in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def wait_for_timers(store, ids, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(any(e.type == "timers_fired" and {"超期", "超期未签收"} & set(e.data["fired"])
                   for e in store.events(i)) for i in ids):
            return
        time.sleep(0.5)


def test_two_nodes_two_workers_lose_nothing_and_fire_each_timer_once(pg_schema):
    service = make_service(pg_schema.store(), SystemClock())
    seed_demo_users(service.store)
    url = pg_url_in(pg_schema.name)
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=60)).isoformat()   # past every deadline
    nodes = Nodes(url)
    results = {}
    try:
        for base, proc in zip(nodes.bases, nodes.procs):
            wait_healthy(base, proc)
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: walk(nodes, i, results), range(TICKETS)))
        load_seconds = time.monotonic() - started
        nodes.start_workers(later)
        wait_for_timers(service.store, [r["id"] for r in results.values()])
        histories = {r["id"]: call(nodes.bases[n % 2], "GET", f"/api/v1/instances/{r['id']}/history")
                     for n, r in enumerate(results.values())}
    finally:
        nodes.stop()
    assert len(results) == TICKETS and load_seconds < 60

    for i, result in results.items():
        iid = result["id"]
        if i in RACED:
            assert sorted(result["accepts"]) == [200, 409], result
        elif i in ACCEPTED:
            assert result["accepts"] == [200], result
        events = service.store.events(iid)
        types = [e.type for e in events]
        fired = sorted(name for e in events if e.type == "timers_fired" for name in e.data["fired"])
        ready = sorted(t.bpmn_id for t in service.ready_tasks(iid))
        assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))
        assert service.store.get_instance(iid).lock_version == len(events), types
        assert types.count("task_completed") == (3 if i in ACCEPTED else 2), types
        if i in ACCEPTED:
            assert fired == ["催办提醒", "超期"], (i, types)
            assert ready.count("efficiency_notice") == 1 and "handle" in ready, ready
        else:                                           # never signed: chased, then the 效能办's notice
            assert fired == ["催办签收", "超期未签收"] and ready == ["accept", "efficiency_notice"], (i, fired, ready)
        status, history = histories[iid]
        assert status == 200 and history["chain_ok"] is True, history


class Browser:
    """A logged-in session (cookies kept) against any node: the nodes share the secret key and the database."""

    def __init__(self, base, name):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = self.get(base, "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "username": name, "password": "demo"}).encode()
        with self.opener.open(urllib.request.Request(base + "/login", data=form), timeout=30) as response:
            assert urllib.parse.urlsplit(response.url).path == "/", response.url

    def get(self, base, path):
        with self.opener.open(base + path, timeout=30) as response:
            return response.read().decode()


def unread_badge(page):
    found = re.search(r'class="badge badge-unread"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_a_notification_made_on_one_node_reaches_its_user_on_the_other(pg_schema):
    service = make_service(pg_schema.store(), SystemClock())
    seed_demo_users(service.store)
    nodes = Nodes(pg_url_in(pg_schema.name))
    try:
        for base, proc in zip(nodes.bases, nodes.procs):
            wait_healthy(base, proc)
        one, two = nodes.bases
        dept1 = Browser(two, "dept1")
        assert unread_badge(dept1.get(two, "/")) == 0
        status, inst = call(one, "POST", "/api/v1/processes/hotline/instances", {"data": {}})
        assert status == 201, inst
        for name, data in (("register", EXAMPLES[0]), ("dispatch", DISPATCH)):     # both steps on node one
            status, inst = complete(one, the_task(inst, name), data, "op1")
            assert status == 200, inst

        status, notes = call(two, "GET", "/api/v1/notifications", user="dept1")
        assert status == 200 and notes["unread"] == 1, notes
        assert (notes["items"][0]["kind"], notes["items"][0]["instance_id"]) == ("new_task", inst["id"])
        assert json.loads(dept1.get(two, "/notifications/count")) == {"unread": 1}   # what the badge polls
        assert unread_badge(dept1.get(two, "/")) == 1
        assert unread_badge(dept1.get(one, "/")) == 1             # the same session on the other node

        assert inst["title"] in dept1.get(two, "/notifications")  # reading them there marks them read
        assert call(one, "GET", "/api/v1/notifications", user="dept1")[1]["unread"] == 0
        assert json.loads(dept1.get(one, "/notifications/count")) == {"unread": 0}
        status, other = call(one, "GET", "/api/v1/notifications", user="dept2")
        assert status == 200 and other["unread"] == 0             # nothing for another unit
    finally:
        nodes.stop()


def test_a_calendar_change_on_one_node_reaches_the_others(pg_schema, monkeypatch):
    """Each node keeps the holiday table in memory; a change made through another node is seen within a
    second (a revision in the shared counters table), not at the next restart."""
    import engine.calendar_service as calendar_service
    from engine.service import Service
    first = make_service(pg_schema.store(), SystemClock())
    second = Service(pg_schema.store(), SystemClock())
    day = dt.date(2026, 12, 2)                       # a Wednesday
    assert second.calendar.current().is_workday(day)
    first.calendar.set_day(day, "holiday")
    monkeypatch.setattr(calendar_service, "REVISION_CHECK", 0.0)
    assert not second.calendar.current().is_workday(day)
    first.calendar.set_day(day, None)
    assert second.calendar.current().is_workday(day)
