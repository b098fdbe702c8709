// Version diff: the two diagrams side by side, added / removed / changed elements coloured, with a change list.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "../lib/studio/diff.css";
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { diff } from "bpmn-js-differ";
import { textRenderer } from "../lib/diagram/font";
import { t } from "../lib/i18n";
import { el } from "../lib/studio/api";
import spiffworkflow from "../lib/studio/spiffworkflow.json";

const root = document.getElementById("bpmn-diff");
if (root) show(root).catch((error) => root.append(el("div", { class: "flash error" }, String(error))));

async function load(container, url) {
  const viewer = new NavigatedViewer({ container, textRenderer, moddleExtensions: { spiffworkflow } });
  const response = await fetch(url, { credentials: "same-origin" });
  await viewer.importXML(await response.text());
  viewer.get("canvas").zoom("fit-viewport");
  return viewer;
}

async function show(root) {
  const left = el("div", { class: "diff-canvas", id: "diff-left" });
  const right = el("div", { class: "diff-canvas", id: "diff-right" });
  const list = el("ul", { class: "diff-list", id: "diff-list" });
  root.append(el("div", { class: "diff-pair" }, left, right), el("h3", {}, t("图上的变化", "Changes on the diagram")), list);
  const [a, b] = await Promise.all([load(left, root.dataset.leftUrl), load(right, root.dataset.rightUrl)]);
  const changes = diff(a.getDefinitions(), b.getDefinitions());
  const kinds = [["_removed", a, "diff-removed", t("删除", "removed")], ["_added", b, "diff-added", t("新增", "added")],
    ["_changed", b, "diff-changed", t("修改", "changed")], ["_layoutChanged", b, "diff-layout", t("移动", "moved")]];
  for (const [key, viewer, marker, label] of kinds) {
    for (const [id, change] of Object.entries(changes[key])) {
      const element = viewer.get("elementRegistry").get(id);
      if (element) viewer.get("canvas").addMarker(id, marker);
      const model = change.model || change;
      const attrs = change.attrs ? Object.entries(change.attrs).map(([name, v]) => `${name}: ${fmt(v.oldValue)} → ${fmt(v.newValue)}`) : [];
      list.append(el("li", { class: marker }, el("strong", {}, label), " ", model.name || id, ` (${id}) `, attrs.join("; ")));
    }
  }
  if (!list.children.length) list.append(el("li", {}, t("两个版本的流程图相同。", "The two diagrams are the same.")));
}

function fmt(value) {
  if (value === undefined || value === null) return "—";
  return typeof value === "object" ? (value.id || value.$type || JSON.stringify(value)) : String(value);
}
