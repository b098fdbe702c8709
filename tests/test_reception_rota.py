"""The reception rota as data on SQL: the page of the petition bureau, the CLI import, and `engine tick` starting
each scheduled day once (two tick runs, a second app on the same database)."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.access import Actor
from engine.reception import Rota
from tests.conftest import CHINA, login

AUDITOR = Actor.of("audit1", ["auditors"])


@pytest.fixture
def service(app):
    return app.extensions["service"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_rota_page_lists_adds_refuses_and_removes(app, service):
    client = app.test_client()
    assert client.get("/admin/rota").status_code == 302                          # log in first
    login(client, "dept1")
    assert client.get("/admin/rota").status_code == 403                          # not the bureau
    login(client, "petition1")
    page = client.get("/admin/rota").get_data(as_text=True)
    assert "领导接访轮值表" in page and 'value="leader1"' in page and "临沂市民政局领导接访" in page
    bad = client.post("/admin/rota", data={"variant": "linyi_bureau", "reception_date": "2026-12-25", "leader": "ghost"})
    assert bad.status_code == 422 and "不是组织机构中在岗的领导人员" in bad.get_data(as_text=True)
    done = client.post("/admin/rota", data={"variant": "linyi_bureau", "reception_date": "2026-12-25",
                                             "leader": "leader1", "leader_title": "局长"})
    assert done.status_code == 302
    page = client.get("/admin/rota").get_data(as_text=True)
    assert "2026-12-25" in page and "2026-12-11 自动建立" in page
    twice = client.post("/admin/rota", data={"variant": "linyi_bureau", "reception_date": "2026-12-25",
                                              "leader": "leader1"})
    assert twice.status_code == 422 and "该接访日已排有接访领导" in twice.get_data(as_text=True)
    (entry,), _ = Rota.of(service).page()
    client.post(f"/admin/rota/{entry.id}/delete")
    assert Rota.of(service).page() == ([], None)


def test_the_rota_page_is_paginated(app, service):
    rota = Rota.of(service)
    for day in range(1, 56):
        rota.add("dongan_township", (dt.date(2027, 1, 1) + dt.timedelta(days=day)).isoformat(), "leader1")
    client = app.test_client()
    login(client, "admin")
    first = client.get("/admin/rota").get_data(as_text=True)
    assert "2027-01-02" in first and "2027-02-20" in first and "2027-02-21" not in first and 'rel="next"' in first
    second = client.get("/admin/rota?after=2027-02-20,50").get_data(as_text=True)
    assert "2027-02-21" in second and "2027-02-25" in second and 'rel="next"' not in second


def test_cli_import_then_tick_starts_each_day_once(app, service, runner, tmp_path):
    from webapp import create_app
    bad = tmp_path / "bad.csv"
    bad.write_text("variant,reception_date,leader\nlinyi_bureau,2026-12-25,leader1\nunion,2026-12-02,nobody\n", "utf-8")
    result = runner.invoke(args=["rota", "import", str(bad)])
    assert result.exit_code != 0 and "line 3: leader" in result.output and Rota.of(service).page() == ([], None)
    good = tmp_path / "rota.csv"
    good.write_text("variant,reception_date,leader,leader_title,convener\n"
                    "linyi_bureau,2026-12-25,leader1,局长,head1\nunion,2026-12-02,leader1,主席,\n", "utf-8")
    assert "imported 2 rota entries" in invoke(runner, "rota", "import", str(good))
    assert "starts 2026-11-18" in invoke(runner, "rota", "list")               # 12-02 minus 14 days: already due
    out = invoke(runner, "engine", "tick", "--now", "2026-11-23T09:00:00+08:00")
    assert "fired 0 timer(s)" in out
    other = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"}, service=type(service)(
        service.store, service.clock))                                         # a second node on the same database
    invoke(other.test_cli_runner(), "engine", "tick", "--now", "2026-11-23T09:05:00+08:00")
    invoke(runner, "engine", "tick", "--now", "2026-11-23T09:10:00+08:00")
    days = service.instances(AUDITOR, "reception_day")
    assert [d.data["reception_date"] for d in days] == ["2026-12-02"]           # started once; 12-25 not yet
    invoke(runner, "engine", "tick", "--now", "2026-12-11T09:00:00+08:00")
    invoke(runner, "engine", "tick", "--now", "2026-12-11T09:01:00+08:00")
    days = service.instances(AUDITOR, "reception_day")
    assert sorted(d.data["reception_date"] for d in days) == ["2026-12-02", "2026-12-25"]
    linyi = next(d for d in days if d.data["reception_date"] == "2026-12-25")
    assert (linyi.data["duty_leader"], linyi.data["first_convener"]) == ("leader1", "head1")
    assert {t.bpmn_id for t in service.ready_tasks(linyi.id)} == {"announce"}
    listed = invoke(runner, "rota", "list")
    assert linyi.id in listed


def test_the_absent_leader_gets_no_form_to_approve_his_own_absence(app, service):
    from tests.test_reception import BUREAU, LEADER
    from tests.walk import do, ready
    from engine.directory import Directory
    from engine.store import User
    from tests.walk import demo_hash
    service.store.add_user(User("leader2", demo_hash(), [], "李强"))
    Directory(service.store).add_member("市政府领导", "leader2")
    iid = service.start("reception_day", {}, BUREAU).id
    proposal = do(service, iid, "choose_variant", BUREAU, {"variant": "linyi_bureau", "target_month": "2026-12"}).data
    do(service, iid, "plan_day", BUREAU, {**{k: proposal[k] for k in ("reception_date", "start_time", "end_time",
                                                                      "location")},
                                         "duty_leader": "leader1", "leader_name": "张明", "leader_title": "局长",
                                         "consultation_phone": "0539-7200939"})
    do(service, iid, "announce", BUREAU, {"channels": ["poster"], "published_at": "2026-11-24T10:00:00+08:00"})
    do(service, iid, "appointment_intake", BUREAU, {"candidate_cases": []})
    do(service, iid, "open_session", LEADER, {"session_action": "report_absence", "absence_reason": "上级开会"})
    task = ready(service, iid)["arrange_substitute"].task_id
    absent, other = app.test_client(), app.test_client()
    login(absent, "leader1")
    login(other, "leader2")
    assert 'name="absence_decision"' not in absent.get(f"/tasks/{task}").get_data(as_text=True)
    form = {"absence_decision": "refuse", "approved_by": "张明"}
    assert absent.post(f"/tasks/{task}", data=form).status_code == 403
    assert 'name="absence_decision"' in other.get(f"/tasks/{task}").get_data(as_text=True)
    assert other.post(f"/tasks/{task}", data={**form, "approved_by": "局主要领导"}).status_code == 302
    assert {t.bpmn_id for t in service.ready_tasks(iid)} == {"open_session"}


def test_the_rota_store_claims_an_entry_once(store):
    """Memory, SQLite and PostgreSQL: pages by date, the due entries, one claim wins, a failed start frees it."""
    from engine.reception import RotaEntry
    ids = store.add_rota_entries([RotaEntry("union", day, "leader1", start_on="2026-11-20")
                                  for day in ("2026-12-09", "2026-12-02", "2026-12-16")])
    assert [e.reception_date for e in store.rota_entries(None, 2)] == ["2026-12-02", "2026-12-09"]
    assert [e.reception_date for e in store.rota_entries(("2026-12-09", ids[0]), 5)] == ["2026-12-16"]
    assert store.rota_days("union") == {"2026-12-02", "2026-12-09", "2026-12-16"} and store.rota_days("school") == set()
    assert [e.id for e in store.due_rota_entries("2026-12-05")] == [ids[0], ids[2]]    # 12-02 is past
    assert store.claim_rota_entry(ids[0], "claimed:a") and not store.claim_rota_entry(ids[0], "claimed:b")
    store.set_rota_instance(ids[0], "claimed:b", "wrong")                         # not the claim's owner: ignored
    assert store.get_rota_entry(ids[0]).instance_id == "claimed:a"
    store.set_rota_instance(ids[0], "claimed:a", None)                            # the start failed: free again
    assert store.claim_rota_entry(ids[0], "claimed:c")
    store.set_rota_instance(ids[0], "claimed:c", "case-1")
    assert store.get_rota_entry(ids[0]).started and [e.id for e in store.due_rota_entries("2026-12-05")] == [ids[2]]
    store.delete_rota_entry(ids[2])
    assert store.get_rota_entry(ids[2]) is None
