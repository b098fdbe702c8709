"""Issued bulletins in the SQL store: added once under their number, read back exactly as issued."""
from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from .tables import bulletins
from ..store import Conflict


class SqlBulletins:
    """Mixed into SqlStore (`self.engine`, `self.reader`)."""

    def add_bulletin(self, b):
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(bulletins).values(**{k: getattr(b, k) for k in b.__dataclass_fields__}))
        except IntegrityError as exc:
            raise Conflict(b.no) from exc

    def get_bulletin(self, no):
        from ..stats.bulletins import Bulletin
        with self.reader.connect() as conn:
            row = conn.execute(select(bulletins).where(bulletins.c.no == no)).first()
        return Bulletin(**row._mapping) if row else None

    def bulletins(self, kind=None):
        from ..stats.bulletins import Bulletin
        query = select(bulletins).order_by(bulletins.c.issued_at.desc())
        if kind:
            query = query.where(bulletins.c.kind == kind)
        with self.reader.connect() as conn:
            return [Bulletin(**r._mapping) for r in conn.execute(query)]

    def bulletin_count(self, kind, year):
        with self.reader.connect() as conn:
            return conn.scalar(select(func.count()).select_from(bulletins)
                               .where(bulletins.c.kind == kind, bulletins.c.year == year))
