"""User accounts: argon2 password hashes, lock-out, API tokens (stored hashed, with expiry), demo users."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..access import Actor
from ..store import Token, User
from .token_cache import token_with_user

_hasher = PasswordHasher()      # argon2id, 64 MiB and 3 passes per hash (RFC 9106 second choice)
HASH_SLOTS = int(os.environ.get("PASSWORD_HASH_SLOTS") or 2)     # hashes at once: at most 2 x 64 MiB
HASH_WAIT_SECONDS = 10.0
LOCK_AFTER = int(os.environ.get("LOCK_AFTER_FAILURES") or 10)    # wrong passwords in a row
TOKEN_DAYS = 90
MAX_NAME = 100                   # the users table's column; a longer name could never log in (webapp/guard.py)
_slots = threading.BoundedSemaphore(HASH_SLOTS)
_verified: dict[bytes, float] = {}   # keyed HMAC of (user, password, hash) -> until: scripts' Basic auth
_cache_key = secrets.token_bytes(32)
VERIFIED_SECONDS = 300


class Busy(Exception):
    """Every password-hashing slot stayed taken: the server is flooded with logins; try again later."""


class Locked(Exception):
    """The account is locked after too many wrong passwords; an administrator must unlock it."""


def _hashing(work):
    """Run one argon2 computation in a bounded slot, so a flood of logins cannot exhaust memory."""
    if not _slots.acquire(timeout=HASH_WAIT_SECONDS):
        raise Busy("too many logins at once")
    try:
        return work()
    finally:
        _slots.release()

DEMO_USERS = [  # (name, display name, groups) as the API contract lists them; password "demo"
    ("op1", "话务员 op1", ["operators"]),
    ("review1", "热线中心审核 review1", ["reviewers"]),
    ("dept1", "住建局 dept1", ["dept:住建局"]),
    ("dept2", "人社局 dept2", ["dept:人社局"]),
    ("leader1", "领导 leader1", ["leaders"]),
    ("petition1", "信访局 petition1", ["petition_bureau"]),
    ("sup1", "督查 sup1", ["supervisors"]),
    ("organ1", "复查机关 organ1", ["review_organ"]),        # beyond the contract's list: statutory review
    ("organ2", "复核机关 organ2", ["rereview_organ"]),      # and re-review organs of petition cases
    ("designer1", "流程设计 designer1", ["designers"]),
    ("audit1", "审计 audit1", ["auditors"]),
    ("admin", "管理员 admin", ["admins"]),
]


def hash_password(password: str) -> str:
    return _hashing(lambda: _hasher.hash(password))


def check_password(user: User | None, password: str) -> bool:
    if user is None or not user.active:
        hash_password(password)          # same cost whether or not the user exists
        return False
    key = hmac.new(_cache_key, "\0".join((user.name, password, user.password_hash)).encode(), "sha256").digest()
    if _verified.get(key, 0) > time.monotonic():
        return True
    try:
        ok = _hashing(lambda: _hasher.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
    if len(_verified) > 1000:
        _verified.clear()
    _verified[key] = time.monotonic() + VERIFIED_SECONDS
    return ok


def authenticate(store, user: User | None, password: str, now: dt.datetime) -> User | None:
    """The user (as read from the store) if the password is right; counts wrong ones and locks the account
    after LOCK_AFTER. Raises Locked for a locked account (without checking the password), Busy when flooded."""
    if user is not None and user.locked_at is not None:
        raise Locked(user.name)
    if check_password(user, password):
        if user.failed_logins:
            store.update_user(user.name, failed_logins=0)
        return user
    if user is not None and store.add_to_user(user.name, "failed_logins") >= LOCK_AFTER:
        store.update_user(user.name, locked_at=now)
    return None


def unlock(store, name: str) -> None:
    if store.get_user(name) is None:
        raise ValueError(f"no user {name}")
    store.update_user(name, locked_at=None, failed_logins=0)


def set_password(store, name: str, password: str) -> None:
    """A new password; every session of the user ends."""
    if len(password) < 4:
        raise ValueError("password too short")
    store.update_user(name, password_hash=hash_password(password))
    store.add_to_user(name, "session_gen")


def end_sessions(store, name: str) -> None:
    store.add_to_user(name, "session_gen")


class UserExists(ValueError):
    """A new user under a name already taken: refused, never an overwrite of that account."""


def create_user(store, name: str, password: str, groups, display_name: str = "") -> User:
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError("user name: letters, digits, - and _ only")
    if len(name) > MAX_NAME:
        raise ValueError(f"user name: at most {MAX_NAME} characters")
    if len(password) < 4:
        raise ValueError("password too short")
    if store.get_user(name) is not None:
        raise UserExists(f"user {name} already exists")
    user = User(name, hash_password(password), sorted(set(groups)), display_name or name)
    store.add_user(user)
    return user


def seed_demo_users(store) -> list[str]:
    created = []
    for name, display, groups in DEMO_USERS:
        if store.get_user(name) is None:
            create_user(store, name, "demo", groups, display)
            created.append(name)
    return created


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(store, name: str, days: int = TOKEN_DAYS, now: dt.datetime | None = None) -> str:
    """A new API token for `name`, valid `days` days; only its hash is kept. The token's id is its prefix."""
    if store.get_user(name) is None:
        raise ValueError(f"no user {name}")
    if not 0 < days <= 3650:
        raise ValueError("days must be between 1 and 3650")
    now = now or dt.datetime.now(dt.timezone.utc)
    token_id = secrets.token_hex(4)
    token = f"{token_id}.{secrets.token_urlsafe(32)}"
    store.add_token(_token_hash(token), name, token_id, now, now + dt.timedelta(days=days))
    return token


def token_id_of(token: str) -> str:
    return token.split(".", 1)[0]


def user_for_token(store, token: str, now: dt.datetime | None = None) -> User | None:
    pair: tuple[Token, User] | None = token_with_user(store, _token_hash(token))
    if pair is None:
        return None
    found, user = pair
    now = now or dt.datetime.now(dt.timezone.utc)
    if found.expires_at is not None and found.expires_at <= now:
        return None
    return user if user.active and user.locked_at is None else None


def actor_of(user: User) -> Actor:
    return Actor.of(user.name, user.groups)
