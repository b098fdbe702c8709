"""The reception rota (领导接访日程安排表) as data.

A rota entry says which leader (a user of the organisation directory) receives on which date under which
reception rules (`variant`, the rows of processes/reception_schedule.dmn, read from the deployed diagram:
`variant_choices`, `schedule_rule`). A date must be a reception day of its rules (engine/reception/dates.py: the
last Friday, every Monday, every working day ...) unless the entry is marked as a special arrangement with its
reason in the note; `plan` fills months with the rules' days, the leaders taking turns. The timer worker starts a
`reception_day` case for every entry whose start day has come (LEAD_DAYS before the date, so the announcement,
due 7 days ahead at most, is due in time): engine/reception/scheduler.py; files: engine/reception/csv_import.py."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..clock import FIRST_YEAR, LAST_YEAR
from .dates import reception_days


LEAD_DAYS = 14
MAX_PLAN_MONTHS = 12
LEADER_TYPES = ("leadership", "bureau", "centre", "county", "township", "department", "other")
LEADER_ROLES = ("head",)
CLAIMED = "claimed:"


class RotaError(ValueError):
    """A rota entry that cannot be kept; `fields` says which input is wrong."""

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.fields = fields or {"": message}


@dataclass
class RotaEntry:
    variant: str
    reception_date: str             # YYYY-MM-DD
    leader: str                     # user name of the duty leader (organisation directory)
    leader_title: str = ""
    convener: str = ""              # user name of the first convener alerted on a no-show ("" = group leaders)
    note: str = ""
    start_on: str = ""              # the day the scheduler starts the case (reception_date - LEAD_DAYS)
    instance_id: str | None = None  # the reception_day case once started
    id: int | None = None

    @property
    def started(self) -> bool:
        return bool(self.instance_id) and not self.instance_id.startswith(CLAIMED)


def variant_choices(service) -> dict[str, str]:
    """{variant: title} offered by the deployed reception_day's 选择接访制度 form (the diagram's own list)."""
    dep = service.latest().get("reception_day")
    if dep is None:
        return {}
    info = service.compiled(dep.bundle_hash).user_tasks.get("choose_variant")
    options = (info.form.schema.get("properties", {}).get("variant", {}).get("oneOf") or []) if info else []
    return {o["const"]: o.get("title", o["const"]) for o in options if "const" in o}


class Rota:
    """Rota operations over a store (memory or SQL: engine/reception/memory.py, engine/sql/rota.py); `variants` are the
    reception rules the deployed diagram knows (variant_choices), `rules(variant)` their row of the decision table
    (schedule_rule), `calendar` the working-day calendar and `today` the date (YYYY-MM-DD) before which no day is
    put on the rota."""

    def __init__(self, store, directory, variants, rules, calendar, today: str):
        self.store, self.directory, self.variants = store, directory, dict(variants)
        self.rules, self.calendar, self.today = rules, calendar, today
        self._leaders, self._days, self._taken = None, {}, {}

    @classmethod
    def of(cls, service) -> "Rota":
        return cls(service.store, service.directory, variant_choices(service),
                   lambda variant: schedule_rule(service, variant), service.calendar.current(), service.today())

    def rule_days(self, variant: str, month: str) -> list[str]:
        """The reception days of `month` (YYYY-MM) under the variant's rules (kept for this Rota's life)."""
        if (variant, month) not in self._days:
            rule = self.rules(variant)
            try:
                days = reception_days(self.calendar, month, rule.get("weekday"), rule.get("which_week"),
                                      rule.get("workdays_only"), rule.get("holiday_rule"))
            except (TypeError, ValueError):     # a rule no month has (a fifth week), or cells of the wrong kind
                days = []
            self._days[variant, month] = days
        return self._days[variant, month]

    def is_rule_day(self, variant: str, day: dt.date) -> bool:
        """A reception day of its month, or one a holiday moved in from the month before or after."""
        near = {(day.replace(day=1) + dt.timedelta(days=shift)).isoformat()[:7] for shift in (-1, 0, 32)}
        return any(day.isoformat() in self.rule_days(variant, month) for month in near
                   if FIRST_YEAR <= int(month[:4]) <= LAST_YEAR)

    def page(self, after: tuple[str, int] | None = None, limit: int = 50) -> tuple[list[RotaEntry], tuple | None]:
        """Entries by date, `limit` at a time; the second value is the cursor of the next page (or None)."""
        rows = self.store.rota_entries(after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, ((rows[-1].reception_date, rows[-1].id) if more and rows else None)

    def leaders(self) -> list:
        """Who may be on the rota: the heads of the leading units and the members of leadership units (the
        reception_day forms' person pickers offer the same). Read once per Rota (one page, import or plan)."""
        if self._leaders is None:
            self._leaders = self.directory.people(LEADER_TYPES, LEADER_ROLES)
        return self._leaders

    def taken(self, variant: str) -> set[str]:
        """The variant's days already on the rota (read once per Rota)."""
        if variant not in self._taken:
            self._taken[variant] = self.store.rota_days(variant)
        return self._taken[variant]

    def add(self, variant: str, reception_date: str, leader: str, leader_title: str = "", convener: str = "",
            note: str = "", off_rule: bool = False) -> RotaEntry:
        entry = self.checked(variant, reception_date, leader, leader_title, convener, note, off_rule)
        return self.keep([entry])[0]

    def keep(self, entries: list[RotaEntry]) -> list[RotaEntry]:
        """Store checked entries in one transaction (a day taken meanwhile: RotaError, nothing stored)."""
        for entry, entry_id in zip(entries, self.store.add_rota_entries(entries)):
            entry.id = entry_id
            self.taken(entry.variant).add(entry.reception_date)
        return entries

    def checked(self, variant, reception_date, leader, leader_title="", convener="", note="",
                off_rule=False) -> RotaEntry:
        """The entry, or RotaError naming each wrong input. A date off the variant's reception days is kept
        only as a special arrangement (`off_rule`) whose note says why."""
        errors = {}
        if variant not in self.variants:
            errors["variant"] = "unknown reception rules"
        day = _date(reception_date)
        if day is None:
            errors["reception_date"] = "a date YYYY-MM-DD" if _date(reception_date, any_year=True) is None \
                else f"a date in the years {FIRST_YEAR} to {LAST_YEAR}"
        elif day.isoformat() < self.today:
            errors["reception_date"] = "the day has passed"
        elif "variant" not in errors and not off_rule and not self.is_rule_day(variant, day):
            errors["reception_date"] = "not a reception day under these rules"
        if off_rule and not (note or "").strip():
            errors["note"] = "a special arrangement needs its reason"
        people = {u.name for u in self.leaders()}
        if (leader or "").strip() not in people:
            errors["leader"] = "not an active leader of the directory"
        if convener and convener.strip() not in people:
            errors["convener"] = "not an active leader of the directory"
        if len(leader_title or "") > 50:
            errors["leader_title"] = "too long"
        if len(note or "") > 500:
            errors["note"] = "too long"
        if day is not None and not errors and day.isoformat() in self.taken(variant):
            errors["reception_date"] = "this reception already has a leader on the rota"
        if errors:
            raise RotaError("; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
        return RotaEntry(variant, day.isoformat(), leader.strip(), (leader_title or "").strip(),
                         (convener or "").strip(), (note or "").strip(),
                         (day - dt.timedelta(days=LEAD_DAYS)).isoformat())

    def plan(self, variant: str, first_month: str, months, leaders: list[str], leader_title: str = "",
             convener: str = "") -> tuple[list[RotaEntry], int]:
        """Put every reception day of `months` months from `first_month` (YYYY-MM) on the rota, `leaders` taking
        turns in their order; days already on the rota or passed are skipped. Returns (entries added, days
        skipped). Nothing is added when an input is wrong."""
        errors = {}
        if variant not in self.variants:
            errors["variant"] = "unknown reception rules"
        start = _date(f"{str(first_month or '').strip()}-01") if MONTH.fullmatch(str(first_month or "").strip()) \
            else None
        if start is None:
            errors["first_month"] = "a month YYYY-MM"
        try:
            count = int(str(months).strip())
        except (TypeError, ValueError):            # also digits beyond Python's limit for int()
            count = 0
        if not 1 <= count <= MAX_PLAN_MONTHS:
            errors["months"] = f"1 to {MAX_PLAN_MONTHS} months"
        elif start is not None and start.year * 12 + start.month + count - 1 > LAST_YEAR * 12 + 12:
            errors["months"] = "past the calendar's last year"
        people = {u.name for u in self.leaders()}
        leaders = [name.strip() for name in leaders or [] if name and name.strip()]
        if not leaders or any(name not in people for name in leaders):
            errors["leaders"] = "not an active leader of the directory" if leaders else "choose the leaders"
        if convener and convener.strip() not in people:
            errors["convener"] = "not an active leader of the directory"
        if len(leader_title or "") > 50:
            errors["leader_title"] = "too long"
        if errors:
            raise RotaError("; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
        month_starts = [dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
                        for i in range(count)]
        days = sorted({d for m in month_starts for d in self.rule_days(variant, m.isoformat()[:7])})
        free = [d for d in days if d >= self.today and d not in self.taken(variant)]
        entries = [self.checked(variant, day, leaders[number % len(leaders)], leader_title, convener)
                   for number, day in enumerate(free)]
        return self.keep(entries), len(days) - len(free)

    def remove(self, entry_id: int) -> None:
        entry = self.store.get_rota_entry(entry_id) if 0 < entry_id < 2 ** 63 else None
        if entry is None:
            raise RotaError("no such rota entry", {"id": "unknown"})
        if entry.instance_id:
            raise RotaError("this reception day has already been started", {"id": "started"})
        self.store.delete_rota_entry(entry_id)


MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def _date(value, any_year: bool = False) -> dt.date | None:
    """A YYYY-MM-DD date within the years the app keeps (engine.clock), else None."""
    text = str(value or "").strip()
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
    return day if day is not None and (any_year or FIRST_YEAR <= day.year <= LAST_YEAR) else None


def rota_cursor(value: str | None) -> tuple[str, int] | None:
    """A page cursor "YYYY-MM-DD,ID" as `page` takes it, or None when it is not one."""
    day, _sep, number = str(value or "").partition(",")
    if _date(day) is None or not re.fullmatch(r"[0-9]{1,18}", number):
        return None
    return day, int(number)


def schedule_rule(service, variant: str) -> dict:
    """The variant's row of reception_schedule as the deployed reception_day reads it (outside special protection
    periods): weekday, which_week, workdays_only, holiday_rule, times, location. Kept per deployed bundle."""
    dep = service.latest().get("reception_day")
    if dep is None:
        return {}
    key = (dep.bundle_hash, variant)
    if key not in _RULES:
        if variant not in variant_choices(service):
            return {}
        data = service.dry_start("reception_day", {
            "rota_scheduled": True, "variant": variant, "reception_date": service.today(),
            "target_month": service.today()[:7], "duty_leader": "", "leader_name": "", "leader_title": "",
            "first_convener": "", "special_protection_period": False})
        if len(_RULES) > 256:
            _RULES.clear()
        _RULES[key] = {k: data.get(k) for k in ("weekday", "which_week", "workdays_only", "holiday_rule",
                                                "start_time", "end_time", "location")}
    return _RULES[key]


_RULES: dict[tuple[str, str], dict] = {}
