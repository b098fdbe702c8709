"""Which files a new version holds: exactly what the designer sent, or (BPMN only) the BPMN over the current files."""
from __future__ import annotations

import re

from .xmlfiles import BPMN, SPIFF, local, parse_xml

COPY_SUFFIX = re.compile(r"\s*\(\d+\)(?=\.\w+$)")   # "hotline (1).bpmn", as browsers rename downloads


def plain_name(name: str) -> str:
    """The file's own name: no folders (some browsers send C:\\fakepath\\x.bpmn), no surrounding blanks."""
    return re.split(r"[\\/]", str(name))[-1].strip()


def _process_ids(text: str) -> list[str]:
    root, bad = parse_xml("", text)
    return [] if bad else [p.get("id") for p in root.iter(f"{{{BPMN}}}process")]


def _renamed(key: str, sent: dict[str, str], current: dict[str, str]) -> dict[str, str]:
    """A BPMN file takes the name of the current file holding the same process (whatever the browser called it)."""
    owner = {pid: name for name, text in current.items() if name.endswith(".bpmn") for pid in _process_ids(text)}
    result = {}
    for name, text in sent.items():
        target = name
        if name.endswith(".bpmn"):
            ids = _process_ids(text)
            target = next((owner[p] for p in ids if p in owner), None) or \
                (f"{key}.bpmn" if key in ids else COPY_SUFFIX.sub("", name))
        elif COPY_SUFFIX.search(name):
            target = COPY_SUFFIX.sub("", name)
        result[target if target not in result and (target == name or target not in sent) else name] = text
    return result


def referenced(files: dict[str, str], key: str) -> set[str]:
    """The files the process `key` needs: its BPMN, the processes it calls, their DMN tables and forms."""
    bpmn = {n: parse_xml(n, t)[0] for n, t in files.items() if n.endswith(".bpmn")}
    dmn = {n: parse_xml(n, t)[0] for n, t in files.items() if n.endswith(".dmn")}
    by_process = {p.get("id"): n for n, r in bpmn.items() if r is not None for p in r.iter(f"{{{BPMN}}}process")}
    by_decision = {d.get("id"): n for n, r in dmn.items() if r is not None for d in r.iter()
                   if isinstance(d.tag, str) and local(d) == "decision"}
    needed, todo = set(), [by_process.get(key, f"{key}.bpmn")]
    while todo:
        name = todo.pop()
        if name in needed or bpmn.get(name) is None:
            needed.add(name)
            continue
        needed.add(name)
        root = bpmn[name]
        todo += [by_process[c.get("calledElement")] for c in root.iter(f"{{{BPMN}}}callActivity")
                 if c.get("calledElement") in by_process]
        needed |= {by_decision[d.text.strip()] for d in root.iter(f"{{{SPIFF}}}calledDecisionId")
                   if d.text and d.text.strip() in by_decision}
        needed |= {p.get("value") for p in root.iter(f"{{{SPIFF}}}property")
                   if p.get("name") in ("formJsonSchemaFilename", "formUiSchemaFilename") and p.get("value")}
    return needed


def assemble(key: str, sent: dict[str, str], current: dict[str, str] | None) -> dict[str, str]:
    """The new version's files. Sent files are the version, except when only BPMN files are sent (an
    import, or the API's XML body): then the DMN tables and forms come from the current version, and
    those the new BPMN no longer uses are dropped."""
    current = current or {}
    sent = _renamed(key, {plain_name(n): t for n, t in sent.items()}, current)
    if not current or not all(n.endswith(".bpmn") for n in sent):
        return sent
    merged = {**{n: t for n, t in current.items()}, **sent}
    keep = referenced(merged, key) | set(sent)
    return {n: t for n, t in merged.items() if n in keep}
