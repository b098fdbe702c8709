"""Bearer tokens as read, kept for TOKEN_CHECK seconds: scripts and integrations send many requests with one
token, and each would otherwise read the token and its user again. Every write of a user or a token in this
process drops the whole cache (`accounts_changed`, called by the stores), so a revoke, lock-out, deactivation or
change of groups here takes effect at once; another node's within TOKEN_CHECK seconds."""
from __future__ import annotations

import threading
import time

TOKEN_CHECK = 1.0
MAX_TOKENS = 10_000
_lock = threading.Lock()


def accounts_changed(store) -> None:
    """Called by the stores after a write to users or tokens."""
    with _lock:
        store.account_writes = getattr(store, "account_writes", 0) + 1
        store.__dict__.pop("_token_pairs", None)


def token_with_user(store, token_hash: str):
    """`store.token_with_user(token_hash)`, answered from this process's copy while it is fresh."""
    now = time.monotonic()
    with _lock:
        writes = getattr(store, "account_writes", 0)
        known = store.__dict__.get("_token_pairs", {}).get(token_hash)
    if known is not None and known[1] == writes and now - known[2] < TOKEN_CHECK:
        return known[0]
    pair = store.token_with_user(token_hash)
    with _lock:
        if getattr(store, "account_writes", 0) == writes:       # no write while we read: keep what was read
            pairs = store.__dict__.setdefault("_token_pairs", {})
            if len(pairs) >= MAX_TOKENS:
                pairs.clear()
            pairs[token_hash] = (pair, writes, now)
    return pair
