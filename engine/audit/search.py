"""Case search: the indexed columns each step keeps up to date, the query, and its opaque cursor."""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field

from ..clock import FIRST_YEAR, LAST_YEAR
from ..case_data import storable
from ..paging import DEFAULT_LIMIT, MAX_LIMIT

UNIT_FIELDS = ("lead_unit", "handling_unit", "unit", "check_unit", "rectify_unit")
SORTS = {"created": "created_at", "updated": "updated_at", "due": "due_at"}   # by due: cases with a deadline
STATUSES = ("running", "completed", "cancelled", "error")


class BadQuery(ValueError):
    """A filter or cursor that cannot be understood; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def unit_of(data: dict) -> str:
    """The department answerable for the case: its lead (or only) handling unit."""
    for key in UNIT_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    targets = data.get("target_units")
    return str(targets[0]) if isinstance(targets, list) and targets else ""


def update_index_fields(rec, rows, now: dt.datetime) -> None:
    """Called with every step: a step taken after the case's deadline marks it late for good."""
    if rec.due_at and now > rec.due_at:
        rec.late = True
    dues = [r.due_at for r in rows if r.due_at]
    rec.case_no = str(rec.data.get("case_no", ""))[:60]
    rec.unit = unit_of(rec.data)[:100]
    rec.due_at = min(dues) if dues else (rec.due_at if rec.status != "running" else None)
    rec.closed_at = now if rec.status in ("completed", "cancelled") else None


@dataclass
class CaseQuery:
    q: str = ""
    process: str = ""
    status: str = ""
    unit: str = ""
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    overdue: bool | None = None
    sort: str = "created"
    descending: bool = True
    limit: int = DEFAULT_LIMIT
    after: tuple | None = None          # (sort value ISO or None, id) of the last row already shown
    now: dt.datetime | None = None
    visible_to: frozenset | None = field(default=None)   # None: every case (overseers)

    @property
    def column(self) -> str:
        return SORTS[self.sort]


def parse_query(args, now: dt.datetime, tz) -> CaseQuery:
    """Build a query from request-like arguments (a mapping of strings); raise BadQuery."""
    sort = args.get("sort") or "created"
    descending = not sort.startswith("+")
    sort = sort.lstrip("+-")
    if sort not in SORTS:
        raise BadQuery("sort", f"sort must be one of {', '.join(SORTS)}")
    try:
        limit = int(args.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise BadQuery("limit", "limit must be a number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery("limit", f"limit must be between 1 and {MAX_LIMIT}")
    if (args.get("status") or "") not in ("", *STATUSES):
        raise BadQuery("status", f"status must be one of {', '.join(STATUSES)}")
    overdue = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
    if (args.get("overdue") or "") not in ("", *overdue):
        raise BadQuery("overdue", "overdue must be true or false")
    return CaseQuery(q=(args.get("q") or "").strip(), process=args.get("process") or "",
                     status=args.get("status") or "", unit=(args.get("unit") or "").strip(),
                     date_from=_day(args.get("from"), tz, "from"), date_to=_day(args.get("to"), tz, "to", end=True),
                     overdue=overdue.get(args.get("overdue") or ""), sort=sort, descending=descending,
                     limit=limit, after=decode_cursor(args.get("cursor")), now=now)


def _day(text, tz, name, end=False):
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BadQuery(name, f"{name} must be a date YYYY-MM-DD") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadQuery(name, f"{name} must be a date between {FIRST_YEAR} and {LAST_YEAR}")
    start = dt.datetime.combine(day, dt.time(0), tz)
    return start + dt.timedelta(days=1) if end else start


def encode_cursor(value, row_id: str) -> str:
    plain = json.dumps([value.isoformat() if isinstance(value, dt.datetime) else value, row_id])
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def decode_cursor(text):
    if not text:
        return None
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        at = dt.datetime.fromisoformat(value) if value else None
    except (ValueError, TypeError):
        raise BadQuery("cursor", "cursor is not one this server gave out") from None
    if not storable(row_id) or (at is not None and (at.tzinfo is None or not FIRST_YEAR <= at.year <= LAST_YEAR)):
        raise BadQuery("cursor", "cursor is not one this server gave out")
    return at, row_id


def page(rows, query: CaseQuery):
    """Stores return up to limit + 1 rows: (the page, the cursor of the next one or None)."""
    if len(rows) <= query.limit:
        return rows, None
    rows = rows[:query.limit]
    return rows, encode_cursor(getattr(rows[-1], query.column), rows[-1].id)


def case_no_range(q: str):
    """A query that looks like a case number searches the case_no index by prefix."""
    text = q.strip().upper()
    if len(text) >= 4 and text[:2].isalpha() and text[2:4].isdigit():
        return text, text + "\uffff"
    return None
