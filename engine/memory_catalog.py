"""Bundles and deployments of the in-memory store (engine/store.py), as engine/sql/catalog.py keeps them in SQL."""
from __future__ import annotations

from dataclasses import replace


class MemoryCatalog:
    """Mixin of MemoryStore (needs `_lock`, `_bundles`, `_deps`)."""

    def put_bundle(self, bundle_hash, key, files):
        self._bundles.setdefault(bundle_hash, dict(files))

    def get_bundle_files(self, bundle_hash):
        if bundle_hash not in self._bundles:
            from .store import NotFound          # store.py imports this mixin
            raise NotFound(bundle_hash)
        return dict(self._bundles[bundle_hash])

    def add_deployment(self, dep):
        with self._lock:
            dep = replace(dep, version=1 + max((d.version for d in self._deps
                                                if d.process_key == dep.process_key), default=0))
            self._deps.append(dep)
            return dep

    def deployments(self, key=None):
        return sorted((d for d in self._deps if key in (None, d.process_key)),
                      key=lambda d: (d.process_key, d.version))

    def deployment_log(self, key=None, after=None, limit=50):
        found = [d for d in self._deps if key in (None, d.process_key) and (
            after is None or d.process_key > after[0] or (d.process_key == after[0] and d.version < after[1]))]
        return sorted(found, key=lambda d: (d.process_key, -d.version))[:limit]
