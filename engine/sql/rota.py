"""The reception rota table (migration 0008_rota, engine/reception) and its statements; mixed into SqlStore."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from .tables import metadata
from ..reception.rota import RotaEntry, RotaError

reception_rota = Table("reception_rota", metadata,
                       Column("id", Integer, primary_key=True, autoincrement=True),
                       Column("variant", String(40), nullable=False),
                       Column("reception_date", String(10), nullable=False, index=True),
                       Column("leader", String(100), nullable=False), Column("leader_title", String(50)),
                       Column("convener", String(100)), Column("note", String(500)),
                       Column("start_on", String(10), nullable=False, index=True),
                       Column("instance_id", String(80)),
                       UniqueConstraint("variant", "reception_date"))
FIELDS = ("variant", "reception_date", "leader", "leader_title", "convener", "note", "start_on", "instance_id")


def _entry(row) -> RotaEntry:
    m = row._mapping
    return RotaEntry(**{k: (m[k] if m[k] is not None or k == "instance_id" else "") for k in FIELDS}, id=m["id"])


class SqlRota:
    def rota_entries(self, after=None, limit=50):
        query = select(reception_rota).order_by(reception_rota.c.reception_date, reception_rota.c.id).limit(limit)
        if after:
            query = query.where(tuple_(reception_rota.c.reception_date, reception_rota.c.id) > tuple_(*after))
        with self.reader.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def get_rota_entry(self, entry_id):
        with self.reader.connect() as conn:
            row = conn.execute(select(reception_rota).where(reception_rota.c.id == entry_id)).first()
        return _entry(row) if row else None

    def rota_days(self, variant):
        with self.reader.connect() as conn:
            return set(conn.execute(select(reception_rota.c.reception_date)
                                    .where(reception_rota.c.variant == variant)).scalars())

    def add_rota_entries(self, entries):
        """All in one transaction, or none: a day another request took meanwhile is a RotaError."""
        if not entries:
            return []
        statement = insert(reception_rota).returning(reception_rota.c.id, sort_by_parameter_order=True)
        try:
            with self.engine.begin() as conn:
                return list(conn.execute(statement, [{k: getattr(e, k) for k in FIELDS} for e in entries]).scalars())
        except IntegrityError as exc:
            raise RotaError("this reception already has a leader on the rota",
                            {"reception_date": "this reception already has a leader on the rota"}) from exc

    def delete_rota_entry(self, entry_id):
        with self.engine.begin() as conn:
            conn.execute(delete(reception_rota).where(reception_rota.c.id == entry_id))

    def due_rota_entries(self, today, limit=50):
        c = reception_rota.c
        query = (select(reception_rota).where(c.instance_id.is_(None), c.start_on <= today, c.reception_date >= today)
                 .order_by(c.reception_date, c.id).limit(limit))
        with self.reader.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def claim_rota_entry(self, entry_id, token):
        """Mark the entry as being started; False when another worker did first (one UPDATE, atomic)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(reception_rota).where(reception_rota.c.id == entry_id,
                                                             reception_rota.c.instance_id.is_(None))
                                .values(instance_id=token))
            return done.rowcount == 1

    def set_rota_instance(self, entry_id, token, instance_id):
        with self.engine.begin() as conn:
            conn.execute(update(reception_rota).where(reception_rota.c.id == entry_id,
                                                      reception_rota.c.instance_id == token)
                         .values(instance_id=instance_id))
