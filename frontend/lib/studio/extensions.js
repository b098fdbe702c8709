// Read and write our BPMN extension elements (spiffworkflow:*) through bpmn-js commands, so every edit can be undone.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

export function extensionValues(bo) {
  return (bo && bo.extensionElements && bo.extensionElements.values) || [];
}

export function findExtension(bo, type) {
  return extensionValues(bo).find((value) => is(value, type));
}

export function getProperty(element, name) {
  const properties = findExtension(getBusinessObject(element), "spiffworkflow:Properties");
  const property = properties && (properties.properties || []).find((p) => p.name === name);
  return property ? property.value || "" : "";
}

// The moddle object that carries extension elements: the element itself, or its event definition.
function ensureExtensionElements(element, bo, bpmnFactory, modeling) {
  if (!bo.extensionElements) {
    const extensionElements = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    extensionElements.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements });
  }
  return bo.extensionElements;
}

function ensureExtension(element, bo, type, bpmnFactory, modeling) {
  const existing = findExtension(bo, type);
  if (existing) return existing;
  const extensionElements = ensureExtensionElements(element, bo, bpmnFactory, modeling);
  const created = bpmnFactory.create(type);
  created.$parent = extensionElements;
  modeling.updateModdleProperties(element, extensionElements, { values: [...extensionElements.values, created] });
  return created;
}

export function setProperty(element, name, value, injector) {
  const [bpmnFactory, modeling] = [injector.get("bpmnFactory"), injector.get("modeling")];
  const bo = getBusinessObject(element);
  const properties = ensureExtension(element, bo, "spiffworkflow:Properties", bpmnFactory, modeling);
  const list = properties.properties || [];
  const existing = list.find((p) => p.name === name);
  if (!value) {
    if (existing) modeling.updateModdleProperties(element, properties, { properties: list.filter((p) => p !== existing) });
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    const property = bpmnFactory.create("spiffworkflow:Property", { name, value });
    property.$parent = properties;
    modeling.updateModdleProperties(element, properties, { properties: [...list, property] });
  }
}

// Body-valued extensions (calledDecisionId, messagePayload, preScript, postScript) on `bo` (element or definition).
export function getBody(bo, type) {
  const found = findExtension(bo, type);
  return found ? found.value || "" : "";
}

export function setBody(element, bo, type, value, injector) {
  const [bpmnFactory, modeling] = [injector.get("bpmnFactory"), injector.get("modeling")];
  const found = findExtension(bo, type);
  if (!value) {
    if (found) {
      const ext = bo.extensionElements;
      modeling.updateModdleProperties(element, ext, { values: ext.values.filter((v) => v !== found) });
    }
    return;
  }
  const target = found || ensureExtension(element, bo, type, bpmnFactory, modeling);
  modeling.updateModdleProperties(element, target, { value });
}

// A bpmn:FormalExpression body (timer timeDate, sequence flow condition) on `owner[property]`.
export function setExpression(element, owner, property, value, injector) {
  const [bpmnFactory, modeling] = [injector.get("bpmnFactory"), injector.get("modeling")];
  const expression = value ? bpmnFactory.create("bpmn:FormalExpression", { body: value }) : undefined;
  modeling.updateModdleProperties(element, owner, { [property]: expression });
}

export function eventDefinition(element, type) {
  const bo = getBusinessObject(element);
  return (bo.eventDefinitions || []).find((d) => is(d, type));
}
