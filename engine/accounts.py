"""User accounts: argon2 password hashes, API tokens (stored hashed), the demo users."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .access import Actor
from .store import User

_hasher = PasswordHasher()

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
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    if user is None or not user.active:
        _hasher.hash(password)          # same cost whether or not the user exists
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(store, name: str, password: str, groups, display_name: str = "") -> User:
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError("user name: letters, digits, - and _ only")
    if len(password) < 4:
        raise ValueError("password too short")
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


def new_token(store, name: str) -> str:
    if store.get_user(name) is None:
        raise ValueError(f"no user {name}")
    token = secrets.token_urlsafe(32)
    store.add_token(_token_hash(token), name)
    return token


def user_for_token(store, token: str) -> User | None:
    user = store.user_for_token(_token_hash(token))
    return user if user and user.active else None


def actor_of(user: User) -> Actor:
    return Actor.of(user.name, user.groups)
