// The problem list of a check or deploy: one row each, the element marked red on the diagram, a click shows it.
import { t } from "../i18n";
import { el } from "./api";

export function makeProblems(container, modeler, onSelect) {
  let marked = [];
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");

  function show(problems) {
    marked.forEach((id) => canvas.removeMarker(id, "studio-problem"));
    marked = problems.map((p) => p.element).filter((id) => id && registry.get(id));
    marked.forEach((id) => canvas.addMarker(id, "studio-problem"));
    container.replaceChildren();
    if (!problems.length) return;
    const rows = problems.map((p) => el("tr", { class: "studio-problem-row", tabindex: 0,
      onclick: () => onSelect(p.file || "", p.element), onkeydown: (e) => e.key === "Enter" && onSelect(p.file || "", p.element) },
    el("td", {}, p.file || ""), el("td", {}, p.line || ""), el("td", {}, [p.label, p.element].filter(Boolean).join(" · ")),
    el("td", {}, p.message)));
    container.append(el("table", { class: "table problems" },
      el("thead", {}, el("tr", {}, [t("文件", "File"), t("行", "Line"), t("元素", "Element"), t("问题", "Problem")].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)));
  }
  return { show };
}
