// The case page: draws the case's own pinned diagram (bpmn-js NavigatedViewer) and marks where the case
// stands: steps done, current tasks with who holds them and by when, branches taken, timers fired, and
// the linked cases an element started. On the audit page a slider replays the case step by step; each
// step's state comes from the server re-executing the pinned bundle on the recorded inputs.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { textRenderer } from "../lib/diagram/font";

async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function getText(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

class CaseDiagram {
  constructor(container, viewer) {
    this.container = container;
    this.viewer = viewer;
    this.canvas = viewer.get("canvas");
    this.registry = viewer.get("elementRegistry");
    this.overlays = viewer.get("overlays");
    this.marked = [];
  }

  paint(state) {
    for (const [id, cls] of this.marked) this.canvas.removeMarker(id, cls);
    this.marked = [];
    const mark = (ids, cls) => (ids || []).forEach((id) => {
      if (this.registry.get(id)) {
        this.canvas.addMarker(id, cls);
        this.marked.push([id, cls]);
      }
    });
    mark(state.completed, "done");
    mark(state.flows, "taken");
    mark(state.timers_fired, "fired");
    mark(state.waiting, "waiting");
    mark(state.ready, "current");
    this.container.dataset.current = (state.ready || []).join(" ");
  }

  holders(state) {
    this.overlays.remove({ type: "holder" });
    for (const task of state.tasks || []) {
      if (!this.registry.get(task.element)) continue;
      const box = element("div", "task-holder");
      box.append(element("div", "", `${state.labels.holder}：${task.holder}`));
      if (task.due) box.append(element("div", "", `${state.labels.due}：${task.due}`));
      this.overlays.add(task.element, "holder", { position: { bottom: -4, left: 0 }, html: box });
    }
  }

  // A wide procedure fitted whole is too small to read: show the current step at a readable size (the
  // viewer still pans and zooms out); with no current step (a closed case), the whole procedure.
  focus(state) {
    const current = (state.ready || []).map((id) => this.registry.get(id)).find(Boolean);
    if (!current) {
      this.canvas.zoom("fit-viewport");
      return;
    }
    if (this.canvas.zoom() < 0.55) this.canvas.zoom(0.8);
    this.canvas.scrollToElement(current, { top: 80, bottom: 80, left: 200, right: 200 });
  }

  links(state) {
    const stacked = {};        // a reception day starts many cases from one element: stack their links
    for (const child of state.children || []) {
      for (const id of child.elements) {
        if (!this.registry.get(id)) continue;
        stacked[id] = (stacked[id] || 0) + 1;
        const link = element("a", "case-link", `${state.labels.linked}：${child.title}`);
        link.href = child.url;
        this.overlays.add(id, "link", { position: { top: -8 - 22 * stacked[id], left: -20 }, html: link });
      }
    }
  }
}

function replay(diagram, steps, live) {
  const slider = document.getElementById("replay-step");
  const label = document.getElementById("replay-label");
  const data = document.getElementById("replay-data");
  if (!slider || !steps.length) return;
  slider.max = String(steps.length);
  const show = (n) => {
    const step = steps[Math.min(Math.max(n, 1), steps.length) - 1];
    slider.value = String(step.seq);
    diagram.container.dataset.step = String(step.seq);
    diagram.paint(step);
    diagram.focus(step);
    if (step.seq === steps.length) diagram.holders(live);
    else diagram.overlays.remove({ type: "holder" });
    label.textContent = `${step.seq} / ${steps.length} · ${step.at} · ${step.label} · ${step.actor} · ${step.status}`
      + (step.matches ? "" : " ⚠");
    label.classList.toggle("overdue-text", !step.matches);
    data.replaceChildren(...step.fields.flatMap(([k, v]) => [element("dt", "", k), element("dd", "", v)]));
  };
  slider.addEventListener("input", () => show(Number(slider.value)));
  document.getElementById("replay-prev")?.addEventListener("click", () => show(Number(slider.value) - 1));
  document.getElementById("replay-next")?.addEventListener("click", () => show(Number(slider.value) + 1));
  show(steps.length);
}

function fitHeight(container, canvas) {
  // As tall as the diagram's shape asks at this width (within limits), then fit it in.
  const inner = canvas.viewbox().inner;
  const wanted = (container.clientWidth * inner.height) / Math.max(inner.width, 1) + 24;
  container.style.height = `${Math.round(Math.min(Math.max(wanted, 260), 720))}px`;
  canvas.resized();
  canvas.zoom("fit-viewport");
}


async function main() {
  const container = document.getElementById("case-diagram");
  if (!container) return;
  try {
    const [xml, live] = await Promise.all([getText(container.dataset.xmlUrl), getJSON(container.dataset.stateUrl)]);
    const viewer = new NavigatedViewer({ container, textRenderer });
    await viewer.importXML(xml);
    fitHeight(container, viewer.get("canvas"));
    const diagram = new CaseDiagram(container, viewer);
    diagram.paint(live);
    diagram.holders(live);
    diagram.links(live);
    diagram.focus(live);
    if (container.dataset.replayUrl) replay(diagram, await getJSON(container.dataset.replayUrl), live);
    container.dataset.ready = "true";
  } catch (error) {
    console.error(error);
    container.parentElement.querySelector(".diagram-error")?.removeAttribute("hidden");
  }
}

document.addEventListener("DOMContentLoaded", main);
