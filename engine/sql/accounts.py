"""SqlStore's accounts part: users, API tokens, shared throttling counters, the holiday table."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import bindparam, insert, select, update

from .tables import calendar_days, calendar_years, counters, tokens, users
from ..directory.snapshot import DIRECTORY_FIELDS, directory_changed
from ..accounts.token_cache import accounts_changed
from ..store import Token, User

_TOKEN_COLS = [tokens.c[n] for n in Token.__dataclass_fields__]
_TOKEN_WITH_USER = select(*[c.label(f"t_{c.name}") for c in _TOKEN_COLS], users) \
    .join(users, users.c.name == tokens.c.user_name).where(tokens.c.token_hash == bindparam("b_hash"))


class SqlAccounts:
    """Mixed into SqlStore: needs `engine`, `reader` and `_upsert`."""

    def add_user(self, user):
        """Create or update (tokens point at the row, so it is updated in place, never replaced)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(users).where(users.c.name == user.name).values(**asdict(user)))
            if done.rowcount == 0:
                conn.execute(insert(users).values(**asdict(user)))
        directory_changed(self)

    def get_user(self, name):
        with self.reader.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return User(**row._mapping) if row else None

    def users(self, after=None, limit=None):
        query = select(users).order_by(users.c.name).limit(limit)
        if after is not None:
            query = query.where(users.c.name > after)
        with self.reader.connect() as conn:
            return [User(**r._mapping) for r in conn.execute(query)]

    def update_user(self, name, **values):
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.name == name).values(**values))
        accounts_changed(self)
        if DIRECTORY_FIELDS & set(values):
            directory_changed(self)

    def add_to_user(self, name, column, amount=1):
        """Atomically add to a counter column of a user (concurrent failures all count); the new value."""
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.name == name).values({column: users.c[column] + amount}))
            total = conn.scalar(select(users.c[column]).where(users.c.name == name)) or 0
        accounts_changed(self)
        return total

    def add_token(self, token_hash, name, token_id=None, created_at=None, expires_at=None):
        with self.engine.begin() as conn:
            conn.execute(insert(tokens).values(token_hash=token_hash, user_name=name,
                                               token_id=token_id or token_hash[:12], created_at=created_at,
                                               expires_at=expires_at))

    def token_for_hash(self, token_hash):
        with self.reader.connect() as conn:
            row = conn.execute(select(*_TOKEN_COLS).where(tokens.c.token_hash == token_hash)).first()
        return Token(**row._mapping) if row else None

    def token_with_user(self, token_hash):
        """(token, its user) in one round trip (every Bearer request), or None."""
        with self.reader.connect() as conn:
            row = conn.execute(_TOKEN_WITH_USER, {"b_hash": token_hash}).first()
        if row is None:
            return None
        found = row._mapping
        return (Token(**{k: found[f"t_{k}"] for k in Token.__dataclass_fields__}),
                User(**{k: found[k] for k in User.__dataclass_fields__}))

    def tokens_of(self, name):
        with self.reader.connect() as conn:
            rows = conn.execute(select(*_TOKEN_COLS).where(tokens.c.user_name == name)
                                .order_by(tokens.c.created_at, tokens.c.token_id))
            return [Token(**r._mapping) for r in rows]

    def tokens_for(self, names):
        """The tokens of several users (a page of the accounts list) in one query."""
        with self.reader.connect() as conn:
            rows = conn.execute(select(*_TOKEN_COLS).where(tokens.c.user_name.in_(list(names)))
                                .order_by(tokens.c.user_name, tokens.c.created_at, tokens.c.token_id))
            return [Token(**r._mapping) for r in rows]

    def delete_token(self, token_id):
        with self.engine.begin() as conn:
            deleted = conn.execute(tokens.delete().where(tokens.c.token_id == token_id)).rowcount > 0
        accounts_changed(self)
        return deleted

    def hit_counter(self, key, window, amount=1):
        """Add hits to a throttling counter in one statement (an upsert); the counter's new total."""
        add = self._upsert(counters, ("key", "window"), set_=lambda excluded: {"hits": counters.c.hits + excluded.hits})
        with self.engine.begin() as conn:
            return conn.execute(add.returning(counters.c.hits), {"key": key, "window": window, "hits": amount}).scalar_one()

    def counter(self, key, window):
        with self.reader.connect() as conn:
            return conn.scalar(select(counters.c.hits).where(counters.c.key == key)
                               .where(counters.c.window == window)) or 0

    def prune_counters(self, before_window):
        with self.engine.begin() as conn:
            conn.execute(counters.delete().where(counters.c.window < before_window))

    def user_for_token(self, token_hash):
        with self.reader.connect() as conn:
            name = conn.scalar(select(tokens.c.user_name).where(tokens.c.token_hash == token_hash))
        return self.get_user(name) if name else None

    def calendar_days(self):
        with self.reader.connect() as conn:
            return [(r.day, r.kind) for r in conn.execute(select(calendar_days).order_by(calendar_days.c.day))]

    def set_calendar_days(self, changes):
        with self.engine.begin() as conn:
            conn.execute(calendar_days.delete().where(calendar_days.c.day.in_(list(changes))))
            rows = [{"day": d, "kind": k} for d, k in changes.items() if k is not None]
            if rows:
                conn.execute(insert(calendar_days), rows)

    def calendar_years(self):
        with self.reader.connect() as conn:
            return set(conn.scalars(select(calendar_years.c.year)))

    def add_calendar_year(self, year, source):
        with self.engine.begin() as conn:
            conn.execute(calendar_years.delete().where(calendar_years.c.year == year))
            conn.execute(insert(calendar_years).values(year=year, source=source))
