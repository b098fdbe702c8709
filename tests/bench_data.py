"""`make bench-data N=1000000`: a realistic PostgreSQL data set for the scale bench, fast.

A few template cases of every procedure are walked through the real service layer (so every row is what
the app writes), then their rows are copied out with COPY and cloned N times with COPY FROM STDIN: new case
ids, task ids, case numbers, callers, handling units (skewed: a few big units hold most of the backlog) and
dates (shifted by whole days), each case's event chain re-hashed so that it verifies. Linked cases (an
overdue ticket and the supervision case it started) are cloned together.

Database: DATABASE_URL, else `bench` on 127.0.0.1:5432 (created when missing); never the tests' `test`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import queue
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.access import Actor
from engine.accounts.users import seed_demo_users
from engine.clock import FixedClock
from engine.directory.seed import seed_directory
from engine.history import canonical
from engine.migrations import upgrade
from engine.service import Service
from engine.sql.store import SqlStore
from webapp.demo import EXAMPLES, FIRST_STEPS

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
CHINA = dt.timezone(dt.timedelta(hours=8))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATE = re.compile(r"(?<!\d)20\d\d-[01]\d-[0-3]\d(?!\d)")
BIG_UNIT = "住建局"
# (table, columns copied, the column that names the case)
TABLES = [
    ("instances", None, "id"),
    ("tasks", None, "instance_id"),
    ("task_groups", None, "task_id IN (SELECT task_id FROM tasks WHERE instance_id"),
    ("events", "instance_id, seq, at, type, actor, task, task_id, data, result, prev_hash, hash", "instance_id"),
    ("messages", None, "sender_id"),
    ("case_facts", None, "instance_id"),
    ("notifications", "recipient, kind, instance_id, task_id, text, at", "instance_id"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
SUMMARIES = ["小区旁工地夜间施工噪音扰民，已持续两周。", "楼道堆放杂物存在消防隐患，物业不处理。",
             "小区电梯频繁故障，维修基金使用不透明。", "路灯损坏一个月无人维修，夜间出行不便。",
             "商铺油烟直排，影响楼上住户正常生活。", "房屋漏水，开发商拒绝履行保修责任。",
             "道路井盖缺失，存在安全隐患。", "老旧小区改造施工进度缓慢，出行困难。",
             "拖欠农民工工资，多次讨要未果。", "学校周边交通拥堵，接送孩子存在安全隐患。",
             "违章搭建侵占公共绿地。", "供暖温度不达标，室内温度低于16度。"]


@dataclass
class Template:
    """Cases walked through the service (a case and the cases it started), cloned `weight` parts of N."""
    name: str
    weight: float
    roots: list[str]
    max_back: int = 365           # how many days back a clone may be dated
    ids: list[str] = field(default_factory=list)
    lines: dict = field(default_factory=dict)            # table -> [(parts, token positions)]
    chains: list = field(default_factory=list)           # per case: [(hash, canonical parts, positions)]
    case_nos: dict = field(default_factory=dict)          # case_no -> (prefix, created_at)
    variable: dict = field(default_factory=dict)          # text token -> kind ("caller", "phone", ...)


# -- templates: cases walked as their users would ----------------------------------------------------
OP, REVIEWER = Actor.of("op1", ["operators"]), Actor.of("review1", ["reviewers"])
DEPT1 = Actor.of("dept1", [f"dept:{BIG_UNIT}"])
EFF = Actor.of("eff1", ["efficiency_office"])
DISPATCH = {"lead_unit": BIG_UNIT, "co_units": [], "requirements": "请核查并答复来电人",
            "deadline_class": "general_5wd"}
SATISFIED = {"reached": True, "caller_satisfied": "satisfied", "result_verified": "true"}


def _do(service, iid, bpmn_id, actor, data):
    row = next(r for r in service.ready_tasks(iid) if r.bpmn_id == bpmn_id)
    return service.complete(row.task_id, data, actor)


def _hotline(service, stage: str) -> str:
    today = service.now().astimezone(CHINA).date().isoformat()
    rec = service.start("hotline", {}, OP)
    iid = rec.id
    if stage == "immediate":
        _do(service, iid, "register", OP, EXAMPLES[1])
        _do(service, iid, "immediate_answer", OP, {"answer_text": "可到人社局窗口办理灵活就业参保"})
        return iid
    _do(service, iid, "register", OP, EXAMPLES[0])
    for step, actor, data in [
            ("dispatch", OP, DISPATCH), ("accept", DEPT1, {"decision": "accept"}),
            ("handle", DEPT1, {"action": "reply", "result_text": "已责令工地22点后停工", "measures_taken": "现场检查",
                               "caller_feedback_done": True, "feedback_method": "phone", "completed_at": today}),
            ("review_reply", REVIEWER, {"review_decision": "accept"}),
            ("callback", REVIEWER, {**SATISFIED, "callback_at": service.now().isoformat()}),
            ("archive", REVIEWER, {"archive_no": "RX-2026-001", "archive_category": "投诉"})]:
        if stage == step:
            return iid
        _do(service, iid, step, actor, data)
    return iid


def _overdue_hotline(service, clock: FixedClock, now: dt.datetime) -> str:
    """A ticket past its deadline: reminder and overdue timers fired, the 效能办's 建议书 issued, the centre's
    督办 referring it to the supervision commissioners, whose case it started."""
    clock.set(now - dt.timedelta(days=12))
    iid = _hotline(service, "handle")
    clock.set(now - dt.timedelta(hours=1))
    service.fire_due_timers()
    today = service.now().astimezone(CHINA).date().isoformat()
    _do(service, iid, "efficiency_notice", EFF, {
        "doc_no": "效建〔2026〕1号", "issued_at": today, "notice_units": [BIG_UNIT], "required_completion_date": today,
        "notice_content": "超过办理期限未办结，限期办结并书面说明"})
    _do(service, iid, "overdue_supervise", REVIEWER, {"supervision_note": "移交督查", "refer_to_supervision": True})
    service.deliver_messages()
    clock.set(now)
    return iid


def _first_step(service, key: str) -> str:
    _, _, starter, group, data = next(s for s in FIRST_STEPS if s[0] == key)
    actor = Actor.of(starter, [group])
    rec = service.start(key, {}, actor)
    today = service.now().astimezone(CHINA).date().isoformat()
    _do(service, rec.id, service.ready_tasks(rec.id)[0].bpmn_id, actor,
        {k: today if v is None else v for k, v in data.items()})
    return rec.id


def make_templates(service, clock, now) -> list[Template]:
    """Proportions of a city's year: most tickets closed, ~30% of cases open, mostly at the units."""
    plan = [("hotline: closed", 0.57, lambda: _hotline(service, "done"), 365),
            ("hotline: answered at once", 0.16, lambda: _hotline(service, "immediate"), 365),
            ("hotline: to dispatch", 0.02, lambda: _hotline(service, "dispatch"), 0),
            ("hotline: to accept", 0.05, lambda: _hotline(service, "accept"), 120),
            ("hotline: handling", 0.09, lambda: _hotline(service, "handle"), 120),
            ("hotline: review", 0.02, lambda: _hotline(service, "review_reply"), 120),
            ("hotline: callback", 0.02, lambda: _hotline(service, "callback"), 120),
            ("hotline: overdue + supervision", 0.04, lambda: _overdue_hotline(service, clock, now), 60),
            ("petition_case", 0.02, lambda: _first_step(service, "petition_case"), 120),
            ("petition_supervision", 0.02, lambda: _first_step(service, "petition_supervision"), 120),
            ("reception_day", 0.01, lambda: _first_step(service, "reception_day"), 120)]
    made = []
    for name, weight, walk, back in plan:
        made.append(Template(name, weight, [walk()], back))
    return made


# -- reading a template's rows back and cutting them at the parts each clone changes --------------------
def _variants(value: str) -> set[str]:
    """The spellings a text takes in a COPY line: as is, JSON-escaped (once or twice), COPY-escaped."""
    once = json.dumps(value)[1:-1]
    twice = json.dumps(once)[1:-1]
    copy = lambda s: s.replace("\\", "\\\\")       # noqa: E731
    return {value, once, twice, copy(once), copy(twice)}


def _copy_out(cur, sql: str) -> list[str]:
    buf = io.BytesIO()
    with cur.copy(f"COPY ({sql}) TO STDOUT") as copy:
        for block in copy:
            buf.write(block)
    return [line for line in buf.getvalue().decode().split("\n") if line]


def _cut(line: str, pattern) -> tuple[list[str], list[int]]:
    parts = pattern.split(line)
    return parts, list(range(1, len(parts), 2))


def read_template(tpl: Template, store, cur) -> None:
    ids = list(tpl.roots)
    while True:     # the cases a case started, and theirs
        quoted = ",".join(f"'{i}'" for i in ids)
        more = [r[0] for r in cur.execute(f"SELECT id FROM instances WHERE parent_id IN ({quoted})")
                if r[0] not in ids]
        if not more:
            break
        ids += more
    tpl.ids = ids
    quoted = ",".join(f"'{i}'" for i in ids)
    raw = {}
    for table, cols, key in TABLES:
        where = f"{key} IN ({quoted}))" if "(" in key else f"{key} IN ({quoted})"
        raw[table] = _copy_out(cur, f"SELECT {cols or '*'} FROM {table} WHERE {where}")
    literal = set()
    for i in ids:
        rec = store.get_instance(i)
        tpl.case_nos[rec.case_no] = rec
        if rec.next_timer_at:        # a clone's timers stay in the future: `engine tick` finds nothing due
            tpl.max_back = min(tpl.max_back, (rec.next_timer_at - dt.datetime.now(dt.timezone.utc)).days)
        literal.add(rec.case_no)
        events = store.events(i)
        chain = []
        for e in events:
            literal.add(e.hash)
            body = {"instance_id": e.instance_id, "seq": e.seq, "at": e.at.astimezone(dt.timezone.utc)
                    .isoformat(timespec="microseconds"), "type": e.type, "actor": e.actor, "task": e.task,
                    "task_id": e.task_id, "data": e.data, "result": e.result, "prev_hash": e.prev_hash}
            chain.append((e.hash, canonical(body)))
        tpl.chains.append(chain)
    data = store.get_instance(tpl.roots[0]).data
    for kind, key in (("caller", "caller_name"), ("phone", "caller_phone"), ("summary", "content_summary"),
                      ("caller", "petitioner_name"), ("phone", "phone")):
        if isinstance(data.get(key), str) and data[key]:
            tpl.variable[data[key]] = kind
    texts = [line for lines in raw.values() for line in lines] + [c for chain in tpl.chains for _, c in chain]
    found = {m for t in texts for m in UUID.findall(t)} | {m for t in texts for m in DATE.findall(t)}
    tpl.uuids = sorted({m for t in texts for m in UUID.findall(t)})
    tpl.dates = sorted({m for t in texts for m in DATE.findall(t)})
    words = set(tpl.variable) | {BIG_UNIT}
    spelled = {v for w in words for v in _variants(w)}
    tokens = sorted(found | literal | spelled, key=len, reverse=True)
    pattern = re.compile("(" + "|".join(re.escape(t) for t in tokens) + ")")
    tpl.lines = {table: [_cut(line, pattern) for line in lines] for table, lines in raw.items()}
    tpl.chains = [[(h, _cut(c, pattern)) for h, c in chain] for chain in tpl.chains]
    tpl.spellings = {w: {v: _variants_map(w, v) for v in _variants(w)} for w in words}


def _variants_map(word, spelling):
    """How to spell a replacement the way `spelling` spells `word`."""
    for fn in (lambda s: s, lambda s: json.dumps(s)[1:-1], lambda s: json.dumps(json.dumps(s)[1:-1])[1:-1],
               lambda s: json.dumps(s)[1:-1].replace("\\", "\\\\"),
               lambda s: json.dumps(json.dumps(s)[1:-1])[1:-1].replace("\\", "\\\\")):
        if fn(word) == spelling:
            return fn
    return lambda s: s


# -- cloning ----------------------------------------------------------------------------------------
def _uuid(rand) -> str:
    h = "%032x" % rand.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _subst(cut, mapping) -> str:
    parts, positions = cut
    out = parts[:]
    for i in positions:
        out[i] = mapping.get(parts[i], parts[i])
    return "".join(out)


class Cloner:
    def __init__(self, units: list[tuple[str, float]], now: dt.datetime, seed: int = 12):
        self.rand = random.Random(seed)
        self.units = [u for u, _ in units]
        self.unit_weights = [w for _, w in units]
        self.now = now
        self.serial = 0

    def mapping(self, tpl: Template) -> dict:
        rand = self.rand
        back = 7 * rand.randint(0, tpl.max_back // 7)     # whole weeks: the same working days
        m = {token: _uuid(rand) for token in tpl.uuids}
        for token in tpl.dates:
            m[token] = (dt.date.fromisoformat(token) - dt.timedelta(days=back)).isoformat()
        self.serial += 1
        replace = {"caller": rand.choice(SURNAMES) + rand.choice(("女士", "先生")),
                   "phone": "1" + rand.choice("3589") + "%09d" % rand.randrange(10 ** 9),
                   "summary": rand.choice(SUMMARIES)}
        words = {w: replace[k] for w, k in tpl.variable.items()}
        words[BIG_UNIT] = rand.choices(self.units, self.unit_weights)[0]
        for word, spellings in tpl.spellings.items():
            for spelling, spell in spellings.items():
                m[spelling] = spell(words[word])
        for case_no, rec in tpl.case_nos.items():
            day = (rec.created_at.astimezone(CHINA) - dt.timedelta(days=back)).strftime("%Y%m%d")
            prefix = case_no.split("-")[0][:-8]
            m[case_no] = f"{prefix}{day}-{m[rec.id][:6].upper()}"
        for chain in tpl.chains:
            for old_hash, cut in chain:
                m[old_hash] = hashlib.sha256(_subst(cut, m).encode()).hexdigest()
        return m

    def clone(self, tpl: Template, buffers: dict) -> None:
        m = self.mapping(tpl)
        for table, lines in tpl.lines.items():
            out = buffers[table]
            for cut in lines:
                out.append(_subst(cut, m))


# -- the database -----------------------------------------------------------------------------------
def database_url(url: str | None) -> str:
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        sys.exit("bench-data needs PostgreSQL (DATABASE_URL=postgresql+psycopg://...)")
    if parsed.database == "test" and not os.environ.get("BENCH_DATA_SCHEMA"):
        sys.exit("refusing to fill the tests' database `test`; use `bench` (the default)")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}) is None:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def fresh_engine(url: str, schema: str | None):
    """An empty schema (`public` of the bench database, or the schema a test gives), migrated."""
    schema = schema or "public"
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema} -ctimezone=UTC"})
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade(url, engine)
    return engine


def unit_weights(store) -> list[tuple[str, float]]:
    """Handling units with an active member, Zipf-like: the big unit first, holding the largest share."""
    staffed = {m.unit for m in store.members()}
    units = [u.name for u in store.units() if u.type in ("department", "township") and u.name in staffed]
    units.sort(key=lambda n: (n != BIG_UNIT, n != "城管执法局", n != "人社局", n))
    return [(name, 1.0 / (rank + 1) ** 1.8) for rank, name in enumerate(units)]


def generate(n: int, url: str, schema: str | None = None, out=print) -> dict:
    started = time.perf_counter()
    engine = fresh_engine(url, schema)
    store = SqlStore(engine)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    clock = FixedClock(now)
    service = Service(store, clock)
    service.calendar.seed_from_package()
    seed_directory(store)
    seed_demo_users(store)
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    service.deploy_directory(root / "processes", root / "forms")
    templates = make_templates(service, clock, now)
    raw = engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        for tpl in templates:
            read_template(tpl, store, cur)
        out(f"templates: {len(templates)} walked through the service in {time.perf_counter() - started:.1f} s")
        cloner = Cloner(unit_weights(store), now)
        counts = {t: 0 for t, _, _ in TABLES}
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET default_toast_compression = lz4")      # much less CPU than pglz
        restore = _drop_secondary(cur)
        raw.driver_connection.commit()
        loader = Loader(raw.driver_connection, counts)
        total_weight = sum(t.weight for t in templates)
        plan = [(tpl, round(n * tpl.weight / total_weight)) for tpl in templates]
        cases = 0
        for tpl, copies in plan:
            done = 0
            while done < copies:
                batch = min(5000, copies - done)
                buffers = {t: [] for t, _, _ in TABLES}
                for _ in range(batch):
                    cloner.clone(tpl, buffers)
                loader.put(buffers)
                done += batch
            cases += copies * len(tpl.ids)
            out(f"  {tpl.name}: {copies} x {len(tpl.ids)} case(s)  ({time.perf_counter() - started:.0f} s)")
        loader.close()
        out(f"rows loaded ({time.perf_counter() - started:.0f} s); indexes and constraints again")
        for statement in restore:
            cur.execute(statement)
        raw.driver_connection.commit()
        out(f"indexed ({time.perf_counter() - started:.0f} s)")
        raw.driver_connection.autocommit = True       # VACUUM: the visibility map lets the inbox read indexes only
        cur.execute("VACUUM (ANALYZE) tasks, task_groups, notifications, case_facts")
        cur.execute("ANALYZE")
    finally:
        raw.close()
    store.rebuild_rollups()
    with engine.connect() as conn:
        open_tasks = conn.scalar(text("SELECT count(*) FROM tasks WHERE status = 'ready'"))
    seconds = time.perf_counter() - started
    out(f"bench-data: {cases} cloned cases, {counts['events']} events, {open_tasks} open tasks "
        f"in {seconds:.0f} s")
    engine.dispose()
    return {"cases": cases, "open_tasks": open_tasks, "seconds": seconds, "counts": counts}


BULK = tuple(t for t, _, _ in TABLES)


def _drop_secondary(cur) -> list[str]:
    """Drop the loaded tables' foreign keys, unique constraints and secondary indexes (a bulk load then
    builds each index once instead of row by row); return the statements that put them back."""
    tables = ",".join(f"'{t}'::regclass" for t in BULK)
    constraints = cur.execute(f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                              f"WHERE contype IN ('f', 'u') AND conrelid IN ({tables})").fetchall()
    indexes = cur.execute(f"SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                          f"WHERE i.indrelid IN ({tables}) AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM "
                          f"pg_constraint c WHERE c.conindid = i.indexrelid)").fetchall()
    for table, name, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    unique = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints if d.startswith("UNIQUE")]
    foreign = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints if not d.startswith("UNIQUE")]
    return [d for _, d in indexes] + unique + foreign


class Loader:
    """COPY FROM STDIN in a thread while the next batch is being cloned (both cores busy)."""

    def __init__(self, conn, counts: dict):
        self.conn, self.counts = conn, counts
        self.queue = queue.Queue(maxsize=2)
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def put(self, buffers: dict) -> None:
        if self.error:
            raise self.error
        self.queue.put(buffers)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error:
            raise self.error

    def _run(self) -> None:
        cur = self.conn.cursor()
        while (buffers := self.queue.get()) is not None:
            try:
                for table, cols, _ in TABLES:
                    lines = buffers[table]
                    if lines:
                        with cur.copy(f"COPY {table} {f'({cols})' if cols else ''} FROM STDIN") as copy:
                            copy.write("\n".join(lines) + "\n")
                        self.counts[table] += len(lines)
                self.conn.commit()
            except Exception as exc:      # handed to the producer, which stops
                self.error = exc
                while self.queue.get() is not None:
                    pass
                return


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", 100_000)), help="cases to make")
    parser.add_argument("--url", help="PostgreSQL URL (default: DATABASE_URL, else the `bench` database)")
    parser.add_argument("--force", action="store_true", help="replace cases in a database other than `bench`")
    args = parser.parse_args(argv)
    url, schema = database_url(args.url), os.environ.get("BENCH_DATA_SCHEMA")
    if not (args.force or schema or make_url(url).database == "bench") and _has_cases(url):
        sys.exit(f"{make_url(url).database} holds cases; bench-data would replace them (--force to do so)")
    generate(args.n, url, schema)


def _has_cases(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(text("SELECT to_regclass('instances') IS NOT NULL"))
                        and conn.scalar(text("SELECT EXISTS (SELECT 1 FROM instances)")))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
