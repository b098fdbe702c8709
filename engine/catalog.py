"""Deployed processes: validate and store versions (immutable bundles), find and compile them."""
from __future__ import annotations

import re
import time
from pathlib import Path

from .access import Actor, start_groups_of
from .design.assemble import assemble
from .design.newprocess import KEY as NEW_KEY
from .design.problems import problem
from .library import Bundle, CompiledBundle, InvalidProcess, bundle_from_directory, compile_bundle
from .store import Deployment, NotFound


CURRENT_CHECK = 1.0        # seconds a process's newest version is taken as known (another node may deploy)
PROCESS_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}", re.ASCII)


class ProcessCatalog:
    """Mixed into Service: needs `self.store`, `self.now()`, `self.script_engine`, `self._compiled` and
    `self._newest` (process key -> (newest deployment, when it was read)) and `self._latest` (every process's
    newest deployment and when they were read, or None)."""

    def deploy(self, bundle: Bundle, actor: str = "system", comment: str = "") -> Deployment:
        """Validate and store a new version; an unchanged bundle keeps its current version."""
        if not PROCESS_KEY.fullmatch(bundle.key):
            raise InvalidProcess([problem(f"{bundle.key[:100]}.bpmn", "流程标识须以字母或 _ 开头，只含字母、数字、_、- 或 .，"
                                          "不超过 100 个字符。", "Process key: a letter or _, then letters, digits, _, - "
                                          "or . (at most 100 characters).")])
        compiled = compile_bundle(bundle)
        current = self.store.deployments(bundle.key)
        if current and current[-1].bundle_hash == bundle.hash:
            return current[-1]
        self.store.put_bundle(bundle.hash, bundle.key, bundle.files)
        self._compiled[bundle.hash] = compiled
        try:
            return self.store.add_deployment(Deployment(bundle.key, 0, bundle.hash, compiled.name,
                                                        self.now(), actor, comment))
        finally:
            self._newest.pop(bundle.key, None)
            self._latest = None

    def proposed_bundle(self, key: str, files: dict[str, str]) -> Bundle:
        """The bundle a deployment of these files would store (see design.assemble for the rules)."""
        current = self.current(key)[1].bundle.files if self.latest().get(key) else None
        if current is None and not NEW_KEY.match(key):
            raise InvalidProcess([problem("", f"新流程的标识“{key}”不可用：须以小写字母开头，只含小写字母、数字和下划线。",
                                          f"The new process key '{key}' is not usable: lower-case letters, digits "
                                          "and _, starting with a letter.")])
        return Bundle(key, assemble(key, files, current))

    def check_files(self, key: str, files: dict[str, str]) -> Bundle:
        """Check without deploying; raises InvalidProcess listing every problem."""
        bundle = self.proposed_bundle(key, files)
        compile_bundle(bundle)
        return bundle

    def deploy_files(self, key: str, files: dict[str, str], actor: str, comment: str = "") -> Deployment:
        """A new version of exactly the files sent (BPMN only: over the current version's DMN and forms)."""
        return self.deploy(self.proposed_bundle(key, files), actor, comment)

    def version(self, key: str, version: int) -> Deployment:
        found = next((d for d in self.store.deployments(key) if d.version == version), None)
        if found is None:
            raise NotFound(f"process {key} version {version}")
        return found

    def version_files(self, key: str, version: int) -> dict[str, str]:
        return self.store.get_bundle_files(self.version(key, version).bundle_hash)

    def rollback(self, key: str, version: int, actor: str, comment: str) -> Deployment:
        """Deploy an earlier version's files again, as a new version (history is never rewritten)."""
        files = self.version_files(key, version)
        if self.latest()[key].bundle_hash == self.version(key, version).bundle_hash:
            raise InvalidProcess([{"file": "", "line": None, "element": None, "label": None,
                                   "message": f"第 {version} 版与当前版本内容相同，无需回滚。",
                                   "message_en": f"Version {version} has the same files as the current version."}])
        return self.deploy(Bundle(key, files), actor, comment)

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
        """The newest version of every process, read again as `current` reads one process's (a copy)."""
        if _stale(self._latest):
            self._latest = ({d.process_key: d for d in self.store.deployments()}, time.monotonic())
        return dict(self._latest[0])

    def current(self, key: str) -> tuple[Deployment, CompiledBundle]:
        """The newest version: read again after CURRENT_CHECK seconds (another node's deployment) or once
        this process deployed (its own, at once)."""
        known = self._newest.get(key)
        if _stale(known):
            newest = self.store.deployment_log(key, limit=1)      # one row, however many versions there are
            if not newest:
                raise NotFound(f"process {key}")
            known = self._newest[key] = (newest[0], time.monotonic())
        return known[0], self.compiled(known[0].bundle_hash)

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


def _stale(kept) -> bool:
    """A (value, when it was read) pair to read again: never read, or read CURRENT_CHECK seconds ago or more."""
    return kept is None or time.monotonic() - kept[1] >= CURRENT_CHECK
