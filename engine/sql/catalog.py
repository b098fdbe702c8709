"""Bundles (a version's files, stored once under their hash) and the deployments of each process, in SQL."""
from __future__ import annotations

from dataclasses import asdict, replace

from sqlalchemy import and_, func, insert, or_, select

from .tables import bundles, deployments
from ..store import Deployment, NotFound


class SqlCatalog:
    """Mixin of SqlStore (needs `engine` and `reader`)."""

    def put_bundle(self, bundle_hash, key, files):
        with self.engine.begin() as conn:
            if conn.scalar(select(bundles.c.hash).where(bundles.c.hash == bundle_hash)) is None:
                conn.execute(insert(bundles).values(hash=bundle_hash, process_key=key, files=files))

    def get_bundle_files(self, bundle_hash):
        with self.reader.connect() as conn:
            files = conn.scalar(select(bundles.c.files).where(bundles.c.hash == bundle_hash))
        if files is None:
            raise NotFound(bundle_hash)
        return files

    def add_deployment(self, dep):
        with self.engine.begin() as conn:
            last = conn.scalar(select(func.max(deployments.c.version))
                               .where(deployments.c.process_key == dep.process_key))
            dep = replace(dep, version=(last or 0) + 1)
            conn.execute(insert(deployments).values(**asdict(dep)))
        return dep

    def deployments(self, key=None):
        query = select(*[deployments.c[n] for n in Deployment.__dataclass_fields__])
        if key is not None:
            query = query.where(deployments.c.process_key == key)
        with self.reader.connect() as conn:
            rows = conn.execute(query.order_by(deployments.c.process_key, deployments.c.version))
            return [Deployment(**{**r._mapping, "comment": r.comment or ""}) for r in rows]

    def deployment_log(self, key=None, after=None, limit=50):
        """Deployments by process, newest version first; `after` a (process_key, version) key (a keyset page)."""
        query = select(*[deployments.c[n] for n in Deployment.__dataclass_fields__])
        if key is not None:
            query = query.where(deployments.c.process_key == key)
        if after is not None:
            query = query.where(or_(deployments.c.process_key > after[0],
                                    and_(deployments.c.process_key == after[0], deployments.c.version < after[1])))
        with self.reader.connect() as conn:
            rows = conn.execute(query.order_by(deployments.c.process_key, deployments.c.version.desc()).limit(limit))
            return [Deployment(**{**r._mapping, "comment": r.comment or ""}) for r in rows]
