"""The hash chain checked for a view: where it first breaks, and the head a reader can compare later."""
from __future__ import annotations

from dataclasses import dataclass

from ..history import verify_chain


@dataclass
class ChainCheck:
    ok: bool
    broken_at: int | None          # seq of the first event that does not verify (or the first missing one)
    head_hash: str                 # hash of the last event: what an export carries
    head_seq: int
    count: int

    def status(self, seq: int) -> str:
        """ok | broken | after (verified alone, but it follows a broken event)."""
        if self.broken_at is None or seq < self.broken_at:
            return "ok"
        return "broken" if seq == self.broken_at else "after"


def check_chain(events, rec=None) -> ChainCheck:
    """Verify every event and its link; with the case row, also that no event is missing at the end."""
    ok, broken_at = verify_chain(events)
    head = events[-1] if events else None
    if ok and rec is not None and rec.last_seq:
        if not head or rec.last_seq > head.seq:
            ok, broken_at = False, (head.seq + 1 if head else 1)
        elif rec.last_hash and rec.last_hash != head.hash:
            ok, broken_at = False, head.seq
    return ChainCheck(ok, broken_at, head.hash if head else "", head.seq if head else 0, len(events))
