"""Deployed processes: validate and store versions (immutable bundles), find and compile them."""
from __future__ import annotations

from pathlib import Path

from .access import Actor, start_groups_of
from .library import Bundle, CompiledBundle, bundle_from_directory, compile_bundle
from .store import Deployment, NotFound


class ProcessCatalog:
    """Mixed into Service: needs `self.store`, `self.now()`, `self.script_engine`, `self._compiled`."""

    def deploy(self, bundle: Bundle, actor: str = "system") -> Deployment:
        """Validate and store a new version; an unchanged bundle keeps its current version."""
        compiled = compile_bundle(bundle)
        current = self.store.deployments(bundle.key)
        if current and current[-1].bundle_hash == bundle.hash:
            return current[-1]
        self.store.put_bundle(bundle.hash, bundle.key, bundle.files)
        self._compiled[bundle.hash] = compiled
        return self.store.add_deployment(Deployment(bundle.key, 0, bundle.hash, compiled.name,
                                                    self.now(), actor))

    def deploy_files(self, key: str, files: dict[str, str], actor: str) -> Deployment:
        """A new version from changed files; files not sent are taken from the current version."""
        base = {}
        if self.latest().get(key):
            base = dict(self.current(key)[1].bundle.files)
        return self.deploy(Bundle(key, {**base, **files}), actor)

    def deploy_directory(self, processes_dir: Path, forms_dir: Path, actor="system") -> list[Deployment]:
        keys = sorted(p.stem for p in Path(processes_dir).glob("*.bpmn"))
        return [self.deploy(bundle_from_directory(k, processes_dir, forms_dir), actor) for k in keys]

    def compiled(self, bundle_hash: str) -> CompiledBundle:
        if bundle_hash not in self._compiled:
            files = self.store.get_bundle_files(bundle_hash)
            key = next(n for n in files if n.endswith(".bpmn")).removesuffix(".bpmn")
            dep = next((d for d in self.store.deployments() if d.bundle_hash == bundle_hash), None)
            self._compiled[bundle_hash] = compile_bundle(Bundle(dep.process_key if dep else key, files))
        return self._compiled[bundle_hash]

    def latest(self) -> dict[str, Deployment]:
        return {d.process_key: d for d in self.store.deployments()}

    def current(self, key: str) -> tuple[Deployment, CompiledBundle]:
        dep = self.latest().get(key)
        if dep is None:
            raise NotFound(f"process {key}")
        return dep, self.compiled(dep.bundle_hash)

    def dry_start(self, key: str, data: dict) -> dict:
        """The data a new case of `key` would have at its first wait, without storing it (e.g. a DMN's
        outputs: the current version's decision tables, as a designer last deployed them)."""
        from .runtime import Runner
        return Runner.start(self.current(key)[1], self.script_engine, data).data()

    def processes(self, actor: Actor) -> list[tuple[Deployment, bool]]:
        found = []
        for dep in self.latest().values():
            groups = start_groups_of(self.compiled(dep.bundle_hash), self.script_engine)
            found.append((dep, bool(actor.groups & groups)))
        return found
