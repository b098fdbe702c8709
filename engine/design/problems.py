"""One problem a designer must fix: where (file, line, element and its label) and what, in Chinese and English."""
from __future__ import annotations

import re

OBJECT_REPR = re.compile(r"<[\w.{}:/ -]+ (?:object )?at 0x[0-9a-f]+>")


def problem(file, zh: str, en: str, line=None, element=None, label=None) -> dict:
    return {"file": file or "", "line": line or None, "element": element or None, "label": label or None,
            "message": zh, "message_en": en}


def localized(problems: list[dict], lang: str) -> list[dict]:
    """The problems with `message` in the reader's language (both texts stay available)."""
    if not str(lang).startswith("en"):
        return problems
    return [{**p, "message": p.get("message_en") or p["message"], "message_zh": p["message"]} for p in problems]


def summary(problems: list[dict], lang: str = "zh") -> str:
    if str(lang).startswith("en"):
        return f"Not deployed: {len(problems)} problem(s) found; running cases are not affected."
    return f"未部署：发现 {len(problems)} 个问题，正在运行的案件不受影响。"


def clean(text: str) -> str:
    """An engine message without Python object reprs."""
    return OBJECT_REPR.sub("(元素)", str(text)).strip()


# Messages SpiffWorkflow gives, with what a designer should read instead.
_SPIFF = [
    (r"When looking for a task spec, we found two items.*\((?P<x>[^)]*)\)",
     "连线指向不存在的元素“{x}”：请把连线接到图中的元素上。",
     "A flow points to '{x}', which is not in the diagram: connect it to an element."),
    (r"Multiple outgoing flows are not supported for tasks of type",
     "这个任务有多条出线：请在任务后加一个排他网关或并行网关，再从网关分支。",
     "This task has several outgoing flows: add an exclusive or parallel gateway after it and branch there."),
    (r"No DMN Diagram available with id \"(?P<x>[^\"]*)\"",
     "引用的决策表“{x}”不在这次提交的 DMN 文件中：请添加该决策表或改选已有的决策表。",
     "The decision table '{x}' is not in the DMN files sent: add it or pick an existing one."),
    (r"The process '(?P<x>[^']*)' was not found",
     "没有找到流程“{x}”：调用活动或流程 ID 与文件中的流程 ID 不一致。",
     "No process '{x}' was found: a call activity or the process id does not match the files."),
    (r"Cannot resolve (?P<x>data\w+Association)",
     "数据关联（{x}）指向不存在的数据对象：请删除该关联或连接到已有的数据对象。",
     "A data association ({x}) points to a data object that does not exist: remove it or connect it."),
    (r"is not a valid value of the atomic type 'xs:ID'",
     "元素 ID 重复或不合法：每个元素须有唯一的 ID（字母开头，不含空格）。",
     "An element id is repeated or not valid: every element needs a unique id (starting with a letter, no spaces)."),
]


def wrap_engine_message(text: str) -> tuple[str, str]:
    """(Chinese, English) for a message the workflow engine or the XML schema gave."""
    raw = clean(text)
    for pattern, zh, en in _SPIFF:
        found = re.search(pattern, raw, re.S)
        if found:
            values = {k: clean(v) for k, v in found.groupdict().items()}
            return zh.format(**values), en.format(**values)
    raw = re.sub(r"\s*Did you mean one of the following: \?", "", raw)
    return f"流程引擎无法读取该元素：{raw}", f"The workflow engine cannot read this element: {raw}"
