"""Read designer files safely: size limits, no DTDs or entities (XML bombs), lxml trees with line numbers."""
from __future__ import annotations

from defusedxml import ElementTree as SafeET
from lxml import etree

from .problems import problem

MAX_FILE_BYTES = 2_000_000
MAX_FILES = 100
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=False)


def too_big(name: str, text: str) -> dict | None:
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        return problem(name, f"文件过大（{size // 1024} KB）：单个文件不能超过 {MAX_FILE_BYTES // 1000} KB。",
                       f"File too large ({size // 1024} KB): each file must be at most {MAX_FILE_BYTES // 1000} KB.")
    return None


def parse_xml(name: str, text: str):
    """(lxml root, None) or (None, problem): malformed XML, DTDs and entities (XML bombs) are refused."""
    big = too_big(name, text)
    if big:
        return None, big
    try:
        SafeET.fromstring(text.encode("utf-8"), forbid_dtd=True)
    except SafeET.ParseError as exc:
        line = (getattr(exc, "position", None) or (None,))[0]
        return None, problem(name, f"XML 格式错误（第 {line} 行）：{exc}。请用建模器重新保存该文件。",
                             f"Malformed XML (line {line}): {exc}. Save the file again from the modeler.", line)
    except Exception as exc:  # defusedxml: DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
        return None, problem(name, f"文件含有 DTD 或实体声明（{type(exc).__name__}），出于安全原因拒绝（可能是 XML 炸弹）。",
                             f"The file declares a DTD or entities ({type(exc).__name__}); unsafe, refused "
                             "(a possible XML bomb).")
    try:
        return etree.fromstring(text.encode("utf-8"), _PARSER), None
    except etree.XMLSyntaxError as exc:
        return None, problem(name, f"XML 格式错误（第 {exc.lineno} 行）：{exc.msg}", f"Malformed XML (line "
                             f"{exc.lineno}): {exc.msg}", exc.lineno)


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def ns(element) -> str:
    return etree.QName(element).namespace if isinstance(element.tag, str) else ""


def where(file: str, element) -> dict:
    return {"file": file, "line": element.sourceline, "element": element.get("id"),
            "label": element.get("name") or element.get("label")}


def spiff_properties(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in element.iter(f"{{{SPIFF}}}property")}


def spiff_text(element, name: str) -> str | None:
    found = element.find(f".//{{{SPIFF}}}{name}")
    return (found.text or "").strip() if found is not None else None
