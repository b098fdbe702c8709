// Designer studio: BPMN modeler with our properties, decision tables, forms with live preview, check and deploy.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "@bpmn-io/properties-panel/assets/properties-panel.css";
import "dmn-js/dist/assets/dmn-js-shared.css";
import "dmn-js/dist/assets/dmn-js-decision-table.css";
import "dmn-js/dist/assets/dmn-js-decision-table-controls.css";
import "dmn-js/dist/assets/dmn-js-drd.css";
import "dmn-js/dist/assets/dmn-font/css/dmn-embedded.css";
import "../lib/studio/studio.css";
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import { textRenderer } from "../lib/diagram/font";
import { t } from "../lib/i18n";
import { el, makeApi } from "../lib/studio/api";
import { makeDecisions } from "../lib/studio/decisions";
import { getProperty } from "../lib/studio/extensions";
import { makeForms } from "../lib/studio/forms";
import { makeProblems } from "../lib/studio/problems";
import { bpmnTranslate } from "../lib/studio/translate";
import SpiffPropertiesProvider from "../lib/studio/PropertiesProvider.jsx";
import spiffworkflow from "../lib/studio/spiffworkflow.json";

const root = document.getElementById("studio");
if (root) start(root).catch((error) => showFatal(root, error));

async function start(root) {
  const api = makeApi(root);
  const { json } = await api.get(root.dataset.filesUrl);
  const state = { files: { ...json.files }, main: json.main, baseline: {}, sample: defaultSample(), sampleVersion: 0 };
  const ui = layout(root);
  const groups = (await api.get(root.dataset.groupsUrl)).json || [];
  const modeler = createModeler(ui, state, api, groups);
  const decisions = makeDecisions(ui.decisionPane, state);
  const forms = makeForms(ui.formPane, state, api, root.dataset.formPreviewUrl);
  studioContext.forms = forms;
  studioContext.decisions = decisions;
  const tabs = makeTabs(ui, { diagram: ui.diagramPane, decisions: ui.decisionPane, forms: ui.formPane },
    (name) => (name === "decisions" ? decisions.show() : name === "forms" && openSelectedForm(modeler, forms)));
  const problems = makeProblems(ui.problems, modeler, (file, element) => {
    if (file.endsWith(".dmn")) { tabs.open("decisions"); decisions.open(file); } else if (file.endsWith(".json")) {
      tabs.open("forms"); forms.open(file.replace(/\.(ui)?schema\.json$/, ""));
    } else { tabs.open("diagram"); problemsFocus(modeler, element); }
  });
  await importDiagram(modeler, state);
  makeFinder(ui.finder, modeler);
  wireActions(root, ui, state, api, { modeler, decisions, forms, problems });
  window.addEventListener("beforeunload", (event) => { if (ui.dirty) event.preventDefault(); });
}

const studioContext = {};

function createModeler(ui, state, api, groups) {
  const previewUrl = document.getElementById("studio").dataset.timerPreviewUrl;
  const modeler = new BpmnModeler({
    container: ui.canvas,
    propertiesPanel: { parent: ui.panel },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      { __init__: ["spiffPropertiesProvider"], spiffPropertiesProvider: ["type", SpiffPropertiesProvider] },
      ...bpmnTranslate],
    moddleExtensions: { spiffworkflow },
    textRenderer,
    studio: {
      groups: () => groups,
      forms: () => studioContext.forms.names(),
      createForm: (elementId) => studioContext.forms.create(elementId),
      decisions: () => studioContext.decisions.list(),
      messageNames: () => JSON.parse(document.getElementById("studio").dataset.processes || "[]"),
      sampleVersion: () => state.sampleVersion,
      previewTimer: async (expression) => {
        const { ok, json } = await api.post(previewUrl, { expression, data: state.sample });
        if (ok) return `${t("示例数据下", "With the sample data")}：${json.text || json.value}`;
        return `⚠ ${(json && json.error && json.error.message) || t("无法计算", "cannot be computed")}`;
      },
    },
  });
  modeler.on("commandStack.changed", () => { ui.dirty = true; ui.status.textContent = t("有未部署的修改", "Unsaved changes"); });
  return modeler;
}

async function importDiagram(modeler, state) {
  await modeler.importXML(state.files[state.main]);
  const canvas = modeler.get("canvas");
  canvas.zoom("fit-viewport");
  if (canvas.zoom() < 0.6) { // a wide procedure: readable size, starting at its start event
    canvas.zoom(0.8);
    const first = modeler.get("elementRegistry").find((e) => e.type === "bpmn:StartEvent");
    if (first) canvas.scrollToElement(first, { top: 200, left: 120 });
  }
  state.baseline[state.main] = (await modeler.saveXML({ format: true })).xml;
}

// Files as they stand in the editors; an editor whose content did not change sends the original text.
async function collect(state, modeler, decisions, forms) {
  const files = { ...state.files, ...forms.files() };
  const { xml } = await modeler.saveXML({ format: true });
  if (xml !== state.baseline[state.main]) files[state.main] = xml;
  Object.assign(files, await decisions.files());
  return files;
}

function wireActions(root, ui, state, api, parts) {
  const { modeler, decisions, forms, problems } = parts;
  ui.sample.value = JSON.stringify(state.sample, null, 2);
  ui.sample.addEventListener("change", () => {
    try { state.sample = JSON.parse(ui.sample.value); state.sampleVersion += 1; ui.sampleError.textContent = ""; } catch {
      ui.sampleError.textContent = t("示例数据须为 JSON 对象", "Sample data must be a JSON object");
    }
  });
  ui.check.addEventListener("click", async () => {
    busy(ui, t("正在校验…", "Checking…"));
    const { ok, json } = await api.post(root.dataset.checkUrl, { files: await collect(state, modeler, decisions, forms) });
    report(ui, problems, ok, json, t("校验通过，可以部署。", "No problems: ready to deploy."));
  });
  ui.dryrun.addEventListener("click", async () => {    // walk the files as edited, in a new tab; nothing stored
    const form = el("form", { method: "post", action: root.dataset.dryrunUrl, target: "_blank", hidden: true },
      el("input", { type: "hidden", name: "csrf_token", value: root.dataset.csrf }),
      el("input", { type: "hidden", name: "dry_files", value: JSON.stringify(await collect(state, modeler, decisions, forms)) }));
    document.body.append(form);
    form.submit();
    form.remove();
  });
  ui.deployForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const comment = ui.comment.value.trim();
    if (!comment) { ui.comment.focus(); ui.status.textContent = t("请填写修改说明", "Please describe the change"); return; }
    busy(ui, t("正在部署…", "Deploying…"));
    const files = await collect(state, modeler, decisions, forms);
    const { ok, json } = await api.post(root.dataset.deployUrl, { files, comment });
    report(ui, problems, ok, json, ok ? t(`已部署第 ${json.version} 版；新案件将按此版本办理，在办案件不受影响。`,
      `Deployed version ${json.version}; new cases use it, running cases keep theirs.`) : "");
    if (ok) { ui.dirty = false; ui.comment.value = ""; if (json.url) ui.status.append(" ", el("a", { href: json.url }, t("查看", "View"))); }
  });
}

function busy(ui, text) { ui.status.textContent = text; ui.status.className = "studio-status"; }

function report(ui, problems, ok, json, okText) {
  if (ok) { problems.show([]); ui.status.textContent = okText; ui.status.className = "studio-status ok"; return; }
  const error = (json && json.error) || {};
  const list = error.problems || Object.entries(error.fields || {}).map(([field, message]) => ({ file: field, message }));
  problems.show(list);
  ui.status.textContent = list.length ? t(`发现 ${list.length} 个问题，未部署。`, `${list.length} problem(s); nothing deployed.`)
    : (error.message || t("出错了", "Something went wrong"));
  ui.status.className = "studio-status error";
}

// The Forms tab opens on the form of the selected user task, if there is one.
function openSelectedForm(modeler, forms) {
  const [selected] = modeler.get("selection").get();
  const name = selected ? getProperty(selected, "formJsonSchemaFilename") : "";
  if (name) forms.open(name.replace(/\.schema\.json$/, ""));
}

function problemsFocus(modeler, elementId) {
  const element = elementId && modeler.get("elementRegistry").get(elementId);
  if (!element) return;
  modeler.get("selection").select(element);
  modeler.get("canvas").scrollToElement(element);
}

// Find a step by its label or id: select it and bring it into view.
function makeFinder(input, modeler) {
  const list = el("datalist", { id: "studio-find-list" });
  input.after(list);
  const label = (e) => `${e.businessObject.name || ""} (${e.id})`;
  const elements = () => modeler.get("elementRegistry").filter((e) => e.type !== "label" && e.businessObject && e.businessObject.name);
  input.addEventListener("focus", () => list.replaceChildren(...elements().map((e) => el("option", { value: label(e) }))));
  input.addEventListener("change", () => {
    const found = elements().find((e) => label(e) === input.value || e.businessObject.name === input.value || e.id === input.value);
    if (found) problemsFocus(modeler, found.id);
  });
}

function layout(root) {
  const ui = { dirty: false };
  ui.canvas = el("div", { class: "studio-canvas" });
  ui.panel = el("div", { class: "studio-panel" });
  ui.sample = el("textarea", { class: "mono", rows: 4, "aria-label": t("示例数据", "Sample data") });
  ui.sampleError = el("span", { class: "field-error" });
  ui.diagramPane = el("div", { class: "studio-pane studio-diagram" }, ui.canvas, el("aside", { class: "studio-side" },
    ui.panel, el("label", { class: "studio-sample" }, t("预览用示例数据（JSON）", "Sample data for previews (JSON)"), ui.sample, ui.sampleError)));
  ui.decisionPane = el("div", { class: "studio-pane", hidden: true });
  ui.formPane = el("div", { class: "studio-pane", hidden: true });
  ui.check = el("button", { class: "btn btn-secondary", type: "button", id: "studio-check" }, t("检查", "Check"));
  ui.dryrun = el("button", { class: "btn btn-secondary", type: "button", id: "studio-dryrun",
    title: t("按当前修改在内存中走一遍流程，不保存任何数据", "Walk the edited procedure in memory; nothing is stored") },
  t("试运行", "Dry run"));
  ui.comment = el("input", { name: "comment", placeholder: t("修改说明（必填）", "Change comment (required)"), id: "studio-comment" });
  ui.deployForm = el("form", { class: "studio-deploy" }, ui.comment,
    el("button", { class: "btn btn-primary", type: "submit", id: "studio-deploy" }, t("部署新版本", "Deploy new version")));
  ui.status = el("span", { class: "studio-status", role: "status" });
  ui.tabs = el("nav", { class: "studio-tabs" });
  ui.finder = el("input", { id: "studio-find", list: "studio-find-list", placeholder: t("查找环节…", "Find a step…"),
    "aria-label": t("查找环节", "Find a step") });
  ui.problems = el("div", { class: "studio-problems" });
  root.append(el("div", { class: "studio-toolbar" }, ui.tabs, ui.finder, ui.check, ui.dryrun, ui.deployForm, ui.status), ui.problems,
    ui.diagramPane, ui.decisionPane, ui.formPane);
  return ui;
}

function makeTabs(ui, panes, onOpen) {
  const labels = { diagram: t("流程图", "Diagram"), decisions: t("决策表", "Decision tables"), forms: t("表单", "Forms") };
  const buttons = {};
  const open = (name) => {
    for (const [key, pane] of Object.entries(panes)) { pane.hidden = key !== name; buttons[key].classList.toggle("active", key === name); }
    onOpen(name);
  };
  for (const name of Object.keys(panes)) {
    buttons[name] = el("button", { type: "button", class: "studio-tab", "data-tab": name, onclick: () => open(name) }, labels[name]);
    ui.tabs.append(buttons[name]);
  }
  buttons.diagram.classList.add("active");
  return { open };
}

function defaultSample() {
  const today = new Date().toISOString().slice(0, 10);
  return { due_date: today, start: today, case_no: "RX00000000-000000" };
}

function showFatal(root, error) {
  root.append(el("div", { class: "flash error", role: "alert" }, t("设计器无法加载：", "The studio could not load: "), String(error)));
}
