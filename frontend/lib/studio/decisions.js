// Decision tables of the bundle, each edited in dmn-js (table view); a table left unchanged keeps its original text.
import DmnModeler from "dmn-js/lib/Modeler";
import { t } from "../i18n";
import { el } from "./api";
import { dmnTranslate } from "./translate";

export function makeDecisions(pane, state) {
  const modelers = {};
  const baseline = {};
  const select = el("select", { "aria-label": t("决策表", "Decision table"), id: "studio-dmn-select" });
  const holder = el("div", { class: "studio-dmn" });
  const names = () => Object.keys(state.files).filter((name) => name.endsWith(".dmn")).sort();
  const refresh = () => select.replaceChildren(...names().map((name) => el("option", { value: name }, name)));
  select.addEventListener("change", () => open(select.value));
  pane.append(el("div", { class: "studio-subbar" }, select,
    el("button", { type: "button", class: "btn btn-secondary", onclick: () => create() }, t("新建决策表", "New decision table"))), holder);
  refresh();

  async function open(name) {
    if (!name) return;
    select.value = name;
    for (const [key, m] of Object.entries(modelers)) m.container.hidden = key !== name;
    if (!modelers[name]) {
      const container = el("div", { class: "studio-dmn-table" });
      holder.append(container);
      const translated = { additionalModules: dmnTranslate };     // per view: dmn-js drops `common`'s modules
      const modeler = new DmnModeler({ container, drd: translated, decisionTable: translated,
        literalExpression: translated });
      modelers[name] = { modeler, container };
      await modeler.importXML(state.files[name]);
      const table = modeler.getViews().find((view) => view.type === "decisionTable");
      if (table) await modeler.open(table);
      baseline[name] = (await modeler.saveXML({ format: true })).xml;
    }
  }

  function create() {
    const id = (window.prompt(t("决策表标识（小写字母、数字、下划线）", "Decision id (lower-case letters, digits, _)")) || "").trim();
    if (!/^[a-z][a-z0-9_]*$/.test(id)) return;
    const name = `${id}.dmn`;
    if (state.files[name]) { open(name); return; }
    state.files[name] = emptyTable(id);
    refresh();
    open(name);
  }

  function list() {
    const parser = new DOMParser();
    return names().flatMap((name) => [...parser.parseFromString(state.files[name], "application/xml")
      .getElementsByTagNameNS("*", "decision")].map((d) => ({ id: d.getAttribute("id"), name: d.getAttribute("name") || name })));
  }

  async function files() {
    const changed = {};
    for (const [name, { modeler }] of Object.entries(modelers)) {
      const { xml } = await modeler.saveXML({ format: true });
      if (xml !== baseline[name]) changed[name] = xml;
    }
    return changed;
  }

  return { open, list, files, show: () => open(select.value || names()[0]) };
}

function emptyTable(id) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_${id}" name="${id}" namespace="http://spiffworkflow.org/dmn">
  <decision id="${id}" name="${id}">
    <decisionTable id="table_${id}" hitPolicy="FIRST">
      <input id="in_${id}" label="input">
        <inputExpression id="in_expr_${id}" typeRef="string"><text>value</text></inputExpression>
      </input>
      <output id="out_${id}" label="result" name="result" typeRef="string" />
    </decisionTable>
  </decision>
</definitions>
`;
}
