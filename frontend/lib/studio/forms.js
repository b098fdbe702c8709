// Forms of the bundle: JSON Schema + UI schema side by side, previewed by the server's own form renderer.
import { t } from "../i18n";
import { el } from "./api";

const SCHEMA = ".schema.json";
const UI = ".uischema.json";

export function makeForms(pane, state, api, previewUrl) {
  const select = el("select", { id: "studio-form-select", "aria-label": t("表单", "Form") });
  const schema = el("textarea", { class: "mono", rows: 18, id: "studio-form-schema", spellcheck: "false" });
  const ui = el("textarea", { class: "mono", rows: 8, id: "studio-form-ui", spellcheck: "false" });
  const sample = el("textarea", { class: "mono", rows: 4, id: "studio-form-sample", spellcheck: "false" });
  const message = el("p", { class: "field-error", role: "alert" });
  const preview = el("div", { class: "studio-form-preview", id: "studio-form-preview" });
  sample.value = "{}";
  pane.append(el("div", { class: "studio-subbar" }, select,
    el("button", { type: "button", class: "btn btn-secondary", onclick: () => create("") }, t("新建表单", "New form"))),
  el("div", { class: "studio-forms" },
    el("div", {}, el("label", {}, "JSON Schema", schema), el("label", {}, t("界面设置（UI schema）", "UI schema"), ui),
      el("label", {}, t("示例输入（查看校验提示）", "Sample input (shows validation messages)"), sample)),
    el("div", {}, el("h3", {}, t("办理人看到的表单", "The form as staff see it")), message, preview)));

  const names = () => Object.keys(state.files).filter((n) => n.endsWith(SCHEMA)).map((n) => n.slice(0, -SCHEMA.length)).sort();
  const refresh = () => select.replaceChildren(...names().map((n) => el("option", { value: n }, n)));
  let current = null;
  let timer = null;

  function open(base) {
    if (!state.files[base + SCHEMA]) return;
    current = base;
    select.value = base;
    schema.value = state.files[base + SCHEMA];
    ui.value = state.files[base + UI] || "{}";
    schedule();
  }

  function store() {
    if (!current) return;
    state.files[current + SCHEMA] = schema.value;
    state.files[current + UI] = ui.value;
    schedule();
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(render, 300); }

  async function render() {
    let body;
    try {
      body = { schema: JSON.parse(schema.value), ui_schema: JSON.parse(ui.value || "{}"), data: JSON.parse(sample.value || "{}") };
    } catch (error) {
      message.textContent = t("JSON 格式错误：", "Not valid JSON: ") + error.message;
      return;
    }
    const { ok, json } = await api.post(previewUrl, body);
    message.textContent = ok ? "" : ((json && json.error && json.error.message) || t("无法预览", "No preview"));
    if (ok) preview.innerHTML = json.html; // server-rendered by the staff form macro, autoescaped
    const errors = (json && json.errors) || {};
    for (const [field, text] of Object.entries(errors)) {
      preview.prepend(el("p", { class: "field-error" }, `${field}：${text}`));
    }
  }

  function create(elementId) {
    const suggestion = elementId ? `${document.getElementById("studio").dataset.key}_${elementId}`.toLowerCase() : "";
    const base = (window.prompt(t("表单文件名（小写字母、数字、下划线）", "Form name (lower-case letters, digits, _)"), suggestion) || "").trim();
    if (!/^[a-z][a-z0-9_]*$/.test(base)) return null;
    if (!state.files[base + SCHEMA]) {
      state.files[base + SCHEMA] = JSON.stringify({ type: "object", title: base, properties: {}, required: [] }, null, 2) + "\n";
      state.files[base + UI] = JSON.stringify({ "ui:order": [] }, null, 2) + "\n";
    }
    refresh();
    open(base);
    return base;
  }

  [schema, ui].forEach((area) => area.addEventListener("input", store));
  sample.addEventListener("input", schedule);
  select.addEventListener("change", () => open(select.value));
  refresh();
  if (names().length) open(names()[0]);
  return { names, create, open, files: () => ({}) };
}
