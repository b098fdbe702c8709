// Form fields that matter only under some choice (engine/forms/conditions.py writes `data-show-when`, e.g.
// [{"action": ["reply"]}]) are shown only while one of their conditions holds; a hidden field's inputs are
// disabled, so the form does not send what the user can no longer see. The server checks the same rules.
function valueOf(form, name) {
  const inputs = [...form.elements].filter((e) => e.name === name && !e.disabled);
  if (!inputs.length) return undefined;
  const [first] = inputs;
  if (first.type === "checkbox" && inputs.length === 1 && first.value === "true") return first.checked ? "true" : "false";
  if (first.type === "radio" || first.type === "checkbox") return inputs.find((e) => e.checked)?.value ?? "";
  return first.value;
}

function holds(form, condition) {
  return Object.entries(condition).every(([name, allowed]) => {
    const value = valueOf(form, name);
    return value !== undefined && allowed.some((v) => String(v) === value);
  });
}

function update(form) {
  // in page order: a field shown under a choice that is itself hidden is hidden too
  for (const block of form.querySelectorAll("[data-show-when]")) {
    const shown = JSON.parse(block.dataset.showWhen).some((condition) => holds(form, condition));
    block.hidden = !shown;
    for (const input of block.querySelectorAll("input, select, textarea")) input.disabled = !shown;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) {
    if (!form.querySelector("[data-show-when]")) continue;
    update(form);
    form.addEventListener("change", () => update(form));
  }
});
