"""An administrator moves a case stuck in `error` to a fixed version of its process, from the case page: the
case failed on a bad timer expression, a designer deploys a fix in the studio, the admin moves the case
there and it goes on; a version without an element the case stands on is refused with the element named."""
from __future__ import annotations

import pytest

from engine.access import SYSTEM
from tests.attack_diagrams import attack_bundle
from tests.conftest import login

FIRST = "'2026-11-24T09:00:00+08:00'"
BROKEN = attack_bundle("timer", "'soon' if case_no else '2026-11-26T09:00:00+08:00'", first_timer=FIRST)
FIXED = attack_bundle("timer", "'2026-11-30T09:00:00+08:00'", first_timer=FIRST)
# a "fix" that renamed the first timer: the case's state stands on wait1, which this version lacks
RENAMED = {name: text.replace("wait1", "pause1") for name, text in FIXED.items()}


def stuck_case(app, clock):
    service = app.extensions["service"]
    service.deploy_files("attack", BROKEN, "first version")
    rec = service.start("attack", {}, SYSTEM)
    clock.advance(days=2)
    service.fire_due_timers()
    assert service.store.get_instance(rec.id).status == "error"
    return service, rec.id


def deploy_in_studio(app, files, comment):
    designer = app.test_client()
    login(designer, "designer1")
    response = designer.post("/designer/attack/deploy", json={"files": files, "comment": comment})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["version"]


def test_admin_moves_a_failed_case_to_the_fixed_version_and_it_goes_on(app, clock):
    service, iid = stuck_case(app, clock)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/instances/{iid}").get_data(as_text=True)
    assert "没有更新的已部署版本" in page and 'name="version"' not in page

    renamed = deploy_in_studio(app, RENAMED, "重命名计时器")
    fixed = deploy_in_studio(app, FIXED, "修正计时表达式")
    page = admin.get(f"/instances/{iid}").get_data(as_text=True)
    assert "迁移到修正版本" in page and f'<option value="{fixed}">' in page and f'<option value="{renamed}">' in page

    before = [e.type for e in service.store.events(iid)]
    refused = admin.post(f"/admin/cases/{iid}/move", data={"version": renamed, "reason": "试迁移"},
                         follow_redirects=True).get_data(as_text=True)
    assert "无法迁移" in refused and "wait1" in refused
    assert [e.type for e in service.store.events(iid)] == before
    assert service.store.get_instance(iid).status == "error"
    english = app.test_client()
    login(english, "admin")
    english.get("/?lang=en")
    assert "Move to a fixed version" in english.get(f"/instances/{iid}").get_data(as_text=True)
    refused = english.post(f"/admin/cases/{iid}/move", data={"version": fixed, "reason": " "}, follow_redirects=True)
    assert "Cannot move: Give a reason for the move." in refused.get_data(as_text=True)

    designer = app.test_client()
    login(designer, "designer1")
    assert designer.post(f"/admin/cases/{iid}/move", data={"version": fixed, "reason": "x"}).status_code == 403

    done = admin.post(f"/admin/cases/{iid}/move", data={"version": fixed, "reason": "计时表达式已修正"},
                      follow_redirects=True).get_data(as_text=True)
    assert f"已迁移到第 {fixed} 版" in done
    rec = service.store.get_instance(iid)
    assert (rec.status, rec.version, rec.error) == ("running", fixed, None)
    assert rec.timers and rec.timers[0]["due_at"].startswith("2026-11-30")
    events = service.store.events(iid)
    assert [e.type for e in events][-2:] == ["migrated", "retried"]
    moved = events[-2]
    assert (moved.actor, moved.data["from_version"], moved.data["to_version"], moved.data["reason"]) == \
        ("admin", 1, fixed, "计时表达式已修正")
    assert f"从第 1 版迁移到第 {fixed} 版：计时表达式已修正" in admin.get(f"/instances/{iid}").get_data(as_text=True)

    clock.advance(days=7)
    service.fire_due_timers()
    assert service.store.get_instance(iid).status == "completed"
    _events, chain_ok = service.history(iid, SYSTEM)
    assert chain_ok


def test_the_move_is_refused_for_a_running_case_an_older_version_or_no_reason(app, clock):
    from engine.repair import NotMovable, NotRepairable
    service, iid = stuck_case(app, clock)
    fixed = deploy_in_studio(app, FIXED, "修正")
    for version, reason, words in ((1, "x", "newer"), (99, "x", "no version 99"), (fixed, "", "reason")):
        with pytest.raises(NotMovable) as refused:
            service.move_to_version(iid, SYSTEM, version, reason)
        assert words in refused.value.en and refused.value.zh
    service.move_to_version(iid, SYSTEM, fixed, "修正")
    with pytest.raises(NotRepairable, match="running"):
        service.move_to_version(iid, SYSTEM, fixed, "again")
    english = app.test_client()
    login(english, "admin")
    english.get("/?lang=en")
    page = english.get(f"/instances/{iid}").get_data(as_text=True)
    assert "Moved from version 1 to version" in page


def test_cli_moves_a_failed_case_or_says_why_not(app, clock):
    service, iid = stuck_case(app, clock)
    service.deploy_files("attack", RENAMED, "renamed")
    service.deploy_files("attack", FIXED, "fixed")
    cli = app.test_cli_runner()
    refused = cli.invoke(args=["cases", "move", iid, "2", "--reason", "试迁移"])
    assert refused.exit_code != 0 and "wait1" in refused.output
    moved = cli.invoke(args=["cases", "move", iid, "3", "--reason", "计时表达式已修正"])
    assert moved.exit_code == 0 and f"{iid}: running on version 3" in moved.output
