"""Case-level work: comments, attachments, cancelling, and starting a case from its first form."""
from __future__ import annotations

import hashlib
import mimetypes
import unicodedata
import uuid

from .. import history
from ..access import NotAllowed, start_groups_of
from ..forms import blanks, coerce
from ..forms.validation import validate
from ..runtime import Runner
from ..store import InstanceRecord, NotFound
from ..tasks import task_rows
from .files import check_entries, entry, file_fields

MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_TYPES = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".txt", ".csv", ".doc", ".docx", ".xls", ".xlsx",
              ".odt", ".ods", ".ofd", ".mp3", ".wav", ".m4a", ".zip"}


class CaseWork:
    """Mixed into the service (with StaffWork)."""

    def _case_event(self, rec, type_, actor, data, result=None):
        from ..service import Step
        rows = self.store.instance_tasks(rec.id, ready_only=True)
        self._append(rec, Step(rows, result or {}, []), type_, actor.name, data=data)
        return rec

    # comments --------------------------------------------------------------------------------------
    def comments(self, instance_id, actor, limit: int = 50, before: int | None = None) -> list[dict]:
        """Newest first; `before` the seq of the last one shown: the next (older) page."""
        self.may_see(instance_id, actor)
        return [{"seq": e.seq, "at": e.at.isoformat(), "author": e.actor, "text": e.data.get("text", "")}
                for e in self.store.events_of_type(instance_id, "comment", before, limit)]

    def _may_write(self, instance_id, actor):
        """Whoever may see the case may add to it, except read-only auditors."""
        if actor.only_auditor:
            raise NotAllowed(f"{actor.name} is read-only")
        return self.may_see(instance_id, actor)

    def add_comment(self, instance_id, actor, text: str) -> dict:
        from ..service import InvalidData
        rec = self._may_write(instance_id, actor)
        text = (text or "").strip()
        if not text or len(text) > 2000:
            raise InvalidData({"text": "请输入意见（不超过 2000 字）"})
        self._case_event(rec, "comment", actor, {"text": text})
        return {"seq": rec.last_seq, "author": actor.name, "text": text}

    # attachments -----------------------------------------------------------------------------------
    def attachments(self, instance_id, actor, limit: int = 50, before: tuple | None = None) -> list[dict]:
        """Newest first; `before` the (uploaded_at, id) of the last one shown: the next (older) page."""
        rec = self.may_see(instance_id, actor)
        hidden = self.hidden_fields(rec, actor)
        return [{**m, "hidden": _file_hidden(m, hidden, actor)}
                for m in self.store.attachments(instance_id, before, limit)]

    def add_attachment(self, instance_id, actor, name: str, content: bytes, field: str | None = None) -> dict:
        """`field`: the form field the file belongs to (a files field of the case's forms), None for the case."""
        from ..service import InvalidData
        rec = self._may_write(instance_id, actor)
        if field is not None and not any(field in file_fields(f) for f in self.compiled(rec.bundle_hash).forms):
            raise InvalidData({"field": f"{field!r} is not a file field of this case's forms"})
        meta = self._file_meta(rec.id, actor, name, content, field)
        self._store_file(rec, actor, meta, content)
        return meta

    def attach_uploads(self, instance_id, actor, uploads) -> dict[str, list[dict]]:
        """Files sent with a form: stored as the case's attachments; {field: [entry]} for the form data."""
        found: dict[str, list[dict]] = {}
        for field, name, content in uploads:
            found.setdefault(field, []).append(entry(self.add_attachment(instance_id, actor, name, content, field)))
        return found

    def _file_meta(self, instance_id, actor, name, content, field) -> dict:
        from ..service import InvalidData
        name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
        name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")).strip()[:200]
        # no control, direction (U+202E would show "a<RLO>gpj.exe" as "aexe.jpg") or invisible characters
        ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if not name or ext not in FILE_TYPES:
            raise InvalidData({field or "file": "不支持的文件类型，可上传：" + " ".join(sorted(FILE_TYPES))})
        if not content or len(content) > MAX_FILE_BYTES:
            raise InvalidData({field or "file": "文件为空或超过 5 MB"})
        return {"id": str(uuid.uuid4()), "instance_id": instance_id, "name": name, "size": len(content),
                "content_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
                "sha256": hashlib.sha256(content).hexdigest(), "field": field, "uploaded_by": actor.name,
                "uploaded_at": self.now()}

    def _store_file(self, rec, actor, meta, content):
        self.store.put_attachment(meta, content)
        event = {k: meta[k] for k in ("id", "name", "size", "content_type", "sha256", "field")}
        self._case_event(rec, "attachment_added", actor, event)

    def attachment(self, instance_id, attachment_id, actor) -> tuple[dict, bytes]:
        rec = self.may_see(instance_id, actor)
        meta, content = self.store.get_attachment(attachment_id)
        if meta is None or meta["instance_id"] != rec.id:
            raise NotFound(attachment_id)
        if _file_hidden(meta, self.hidden_fields(rec, actor), actor):
            raise NotAllowed(attachment_id)
        return meta, content

    # cancel ----------------------------------------------------------------------------------------
    def cancel(self, instance_id, actor, reason: str) -> InstanceRecord:
        """撤销: an admin at any time (also a case stuck in `error`); the starter while no step has been done.
        Open work and timers close."""
        from ..service import InvalidData, Step, TaskClosed
        rec = self.store.get_instance(instance_id)
        events = self.store.events(instance_id)
        starter = events[0].actor if events else None
        untouched = not any(e.type == "task_completed" for e in events)
        if not (actor.is_admin or (actor.name == starter and untouched)):
            raise NotAllowed(instance_id)
        if rec.status != "running" and not (rec.status == "error" and actor.is_admin):
            raise TaskClosed(f"{instance_id}: the case is {rec.status}, no longer running")
        if not (reason or "").strip():
            raise InvalidData({"reason": "请说明撤销理由"})
        rec.status, rec.next_timer_at, rec.timers, rec.updated_at = "cancelled", None, [], self.now()
        self._append(rec, Step([], {"cancelled": True}, []), "cancelled", actor.name,
                     data={"reason": reason.strip()[:500]})
        return rec

    # start from the first form ---------------------------------------------------------------------
    def start_form(self, key, actor):
        """(task name, form, the values it opens with) the starter fills in first, computed without storing
        anything; None if the first step is not the starter's."""
        dep, compiled = self.current(key)
        self._check_start(compiled, actor, key)
        runner = Runner.start(compiled, self.script_engine, {"case_no": ""})
        row = self._first_row(runner, compiled, actor)
        if row is None:
            return None
        form = self.form_of(compiled.user_tasks[row.bpmn_id].form)
        ready = next(t for t in runner.ready_tasks() if t.id == row.task_id)
        values = {k: v for k, v in ready.data.items() if k in form.properties and v is not None}
        return row.title, form, values

    def _check_start(self, compiled, actor, key):
        if not actor.groups & start_groups_of(compiled, self.script_engine) and not actor.is_admin:
            raise NotAllowed(f"{actor.name} may not start {key}")

    def _first_row(self, runner, compiled, actor):
        rows = task_rows(runner, compiled, "", compiled.bundle.key, "", self.now())
        return next((r for r in rows if actor.groups & set(r.groups)), None)

    def start_with_form(self, key, raw, actor, form_post=False, lang="zh", uploads=()) -> InstanceRecord:
        """Start a case and complete its first step in one write: invalid input stores nothing."""
        from ..service import InvalidData, _case_no
        dep, compiled = self.current(key)
        self._check_start(compiled, actor, key)
        now, instance_id = self.now(), str(uuid.uuid4())
        data = {"case_no": _case_no(compiled, now, instance_id)}
        runner = Runner.start(compiled, self.script_engine, data)
        first = self._first_row(runner, compiled, actor)
        if first is None:
            raise NotAllowed(f"the first step of {key} is not {actor.name}'s")
        form = self.form_of(compiled.user_tasks[first.bpmn_id].form)
        values = coerce(form, raw) if form_post else dict(raw or {})
        files = [(self._file_meta(instance_id, actor, name, content, field), content)
                 for field, name, content in uploads]
        for meta, _content in files:
            values[meta["field"]] = [*(values.get(meta["field"]) or []), entry(meta)]
        errors = validate(form, values, lang, today=self.today()) or \
            check_entries(_Pending({m["id"]: m for m, _c in files}, instance_id), form, values, instance_id, lang)
        if errors:
            raise InvalidData(errors)
        rec = InstanceRecord(instance_id, dep.process_key, dep.version, dep.bundle_hash, "running", "", {},
                             created_at=now)
        started = self._snapshot(rec, runner, compiled, before=set())
        first_event = history.new_event(rec.id, 0, "", now, "started", actor.name, data=data, result=started.result)
        runner.complete(first.task_id, values, blanks(form))
        step = self._snapshot(rec, runner, compiled, task_index=0, before={first.task_id})
        second = history.new_event(rec.id, 1, first_event.hash, now, "task_completed", actor.name,
                                   task=first.bpmn_id, task_id=first.task_id, data=values, result=step.result)
        rec.last_seq, rec.last_hash = second.seq, second.hash
        self.store.add_instance(rec, step.rows, [first_event, second], messages=started.messages + step.messages,
                                notices=step.notices)
        for meta, content in files:
            self._store_file(rec, actor, meta, content)
        if started.messages or step.messages:
            self.deliver_messages()
        return rec


def _file_hidden(meta: dict, hidden: set, actor) -> bool:
    """A file is masked like the caller fields: its own field hidden, or a case file of a case whose caller
    details are hidden from this user; the uploader always sees their own file."""
    if meta.get("uploaded_by") == actor.name or not hidden:
        return False
    return meta.get("field") in hidden if meta.get("field") else any(f.startswith("caller_") for f in hidden)


class _Pending:
    """The files of a case being started, looked up like stored ones (they are stored with the case)."""

    def __init__(self, metas: dict, instance_id: str):
        self.metas, self.instance_id = metas, instance_id

    def get_attachment(self, attachment_id):
        return self.metas.get(attachment_id), None
