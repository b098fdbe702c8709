"""MemoryStore's accounts part: users, API tokens, throttling counters, the holiday table, in dicts."""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace

from ..directory.snapshot import DIRECTORY_FIELDS, directory_changed
from .token_cache import accounts_changed


class MemoryAccounts:
    """Mixed into MemoryStore: needs `_users`, `_tokens`, `_counters`, `_days`, `_years` and `_lock`."""

    def add_user(self, user):
        self._users[user.name] = copy.deepcopy(user)
        directory_changed(self)

    def get_user(self, name):
        return copy.deepcopy(self._users.get(name))

    def users(self, after=None, limit=None):
        found = sorted((u for u in self._users.values() if after is None or u.name > after), key=lambda u: u.name)
        return copy.deepcopy(found[:limit])

    def update_user(self, name, **values):
        if name in self._users:
            self._users[name] = replace(self._users[name], **values)
        accounts_changed(self)
        if DIRECTORY_FIELDS & set(values):
            directory_changed(self)

    def add_to_user(self, name, column, amount=1):
        with self._lock:
            user = self._users.get(name)
            if user is None:
                return 0
            setattr(user, column, getattr(user, column) + amount)
        accounts_changed(self)
        return getattr(user, column)

    def add_token(self, token_hash, name, token_id=None, created_at=None, expires_at=None):
        from ..store import Token      # store.py defines the records and mixes this class in
        self._tokens[token_hash] = Token(token_id or token_hash[:12], name, created_at, expires_at)

    def user_for_token(self, token_hash):
        token = self._tokens.get(token_hash)
        return self.get_user(token.user_name) if token else None

    def token_for_hash(self, token_hash):
        return copy.deepcopy(self._tokens.get(token_hash))

    def token_with_user(self, token_hash):
        token = self.token_for_hash(token_hash)
        user = self.get_user(token.user_name) if token else None
        return (token, user) if user else None

    def tokens_of(self, name):
        return sorted((copy.deepcopy(t) for t in self._tokens.values() if t.user_name == name),
                      key=lambda t: (t.created_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc), t.token_id))

    def tokens_for(self, names):
        return [t for name in sorted(set(names)) for t in self.tokens_of(name)]

    def delete_token(self, token_id):
        found = [h for h, t in self._tokens.items() if t.token_id == token_id]
        for token_hash in found:
            del self._tokens[token_hash]
        accounts_changed(self)
        return bool(found)

    def hit_counter(self, key, window, amount=1):
        with self._lock:
            self._counters[(key, window)] = self._counters.get((key, window), 0) + amount
            return self._counters[(key, window)]

    def counter(self, key, window):
        return self._counters.get((key, window), 0)

    def prune_counters(self, before_window):
        with self._lock:
            for k in [k for k in self._counters if k[1] < before_window]:
                del self._counters[k]

    def calendar_days(self):
        return sorted(self._days.items())

    def set_calendar_days(self, changes):
        for day, kind in changes.items():
            if kind is None:
                self._days.pop(day, None)
            else:
                self._days[day] = kind

    def calendar_years(self):
        return set(self._years)

    def add_calendar_year(self, year, source):
        self._years[year] = source
