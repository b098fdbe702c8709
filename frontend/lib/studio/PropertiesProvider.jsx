// Properties panel groups for our execution properties, so that no designer hand-writes XML.
import { SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited,
  isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { useEffect, useState } from "@bpmn-io/properties-panel/preact/hooks";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";
import { t } from "../i18n";
import { eventDefinition, getBody, getProperty, setBody, setExpression, setProperty } from "./extensions";

const NEW_FORM = "__new__";
const EXPRESSION = "__expression__";

export default function SpiffPropertiesProvider(propertiesPanel) {
  this.getGroups = (element) => (groups) => {
    const entries = entriesFor(element);
    if (entries.length) groups.splice(1, 0, { id: "execution", label: t("办理设置", "Execution"), entries });
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
SpiffPropertiesProvider.$inject = ["propertiesPanel"];

function entriesFor(element) {
  const bo = getBusinessObject(element);
  const entry = (id, component, isEdited = isTextFieldEntryEdited) => ({ id, element, component, isEdited });
  const list = [];
  if (is(element, "bpmn:UserTask")) {
    list.push(entry("form", FormEntry, isSelectEntryEdited), entry("groups", GroupsEntry, isSelectEntryEdited),
      entry("candidateGroups", expressionProperty("candidateGroups", t("办理岗位表达式", "Candidate groups expression"))),
      entry("dueAt", DueAtEntry),
      entry("dueRule", expressionProperty("dueRule", t("期限规则（表达式，如 [60, \"CD\"]）", "Deadline rule (expression, e.g. [60, \"CD\"])"))),
      entry("maskFields", expressionProperty("maskFields", t("对办理人隐藏的字段", "Fields hidden from this task"))),
      entry("excludedUsers", expressionProperty("excludedUsers", t("不得办理本任务的人员（用户名表达式）", "Users who may not do this task (expression)"))));
  }
  if (is(element, "bpmn:StartEvent") && is(bo.$parent, "bpmn:Process")) {
    list.push(entry("startGroups", expressionProperty("startGroups", t("可发起的岗位（表达式）", "Who may start (expression)"))),
      entry("casePrefix", expressionProperty("casePrefix", t("案件编号前缀", "Case number prefix"))));
  }
  if (is(element, "bpmn:BusinessRuleTask")) list.push(entry("decision", DecisionEntry, isSelectEntryEdited));
  if (is(element, "bpmn:ScriptTask")) list.push(entry("script", ScriptEntry, isTextAreaEntryEdited));
  if (eventDefinition(element, "bpmn:TimerEventDefinition")) list.push(entry("timer", TimerEntry, isTextAreaEntryEdited));
  if (eventDefinition(element, "bpmn:MessageEventDefinition")) {
    list.push(entry("message", MessageEntry, isSelectEntryEdited), entry("payload", PayloadEntry, isTextAreaEntryEdited));
  }
  if (is(element, "bpmn:SequenceFlow") && bo.sourceRef && is(bo.sourceRef, "bpmn:Gateway")) {
    list.push(entry("condition", ConditionEntry, isTextAreaEntryEdited));
  }
  if (is(element, "bpmn:Task")) {
    list.push(entry("preScript", scriptExtension("spiffworkflow:PreScript", t("进入前脚本", "Script before"))),
      entry("postScript", scriptExtension("spiffworkflow:PostScript", t("完成后脚本", "Script after"))));
  }
  return list;
}

function useStudio() {
  return [useService("config.studio"), useService("injector"), useService("debounceInput")];
}

function FormEntry({ element, id }) {
  const [studio, injector] = useStudio();
  const setValue = (value) => {
    const base = value === NEW_FORM ? studio.createForm(element.id) : value;
    if (!base) return;
    setProperty(element, "formJsonSchemaFilename", base + ".schema.json", injector);
    setProperty(element, "formUiSchemaFilename", base + ".uischema.json", injector);
  };
  const getOptions = () => [{ value: "", label: t("（未选择）", "(none)") },
    ...studio.forms().map((name) => ({ value: name, label: name })),
    { value: NEW_FORM, label: t("新建表单…", "New form…") }];
  return <SelectEntry id={id} element={element} label={t("表单", "Form")} getOptions={getOptions} setValue={setValue}
    getValue={() => getProperty(element, "formJsonSchemaFilename").replace(/\.schema\.json$/, "")}
    description={t("在“表单”页签中编辑字段；新建表单会同时创建 JSON Schema 和界面文件。",
      "Edit the fields in the Forms tab; a new form creates its JSON Schema and UI file.")} />;
}

function GroupsEntry({ element, id }) {
  const [studio, injector] = useStudio();
  const current = () => {
    const expr = getProperty(element, "candidateGroups");
    const literal = /^"([^"]+)"$/.exec(expr);
    return literal ? literal[1] : expr ? EXPRESSION : "";
  };
  const getOptions = () => [{ value: "", label: t("（未选择）", "(none)") },
    ...studio.groups().map((g) => ({ value: g.name, label: `${g.label} (${g.name})` })),
    { value: EXPRESSION, label: t("按表达式（见下）", "By expression (below)") }];
  const setValue = (value) => {
    if (value !== EXPRESSION) setProperty(element, "candidateGroups", value ? JSON.stringify(value) : "", injector);
  };
  return <SelectEntry id={id} element={element} label={t("办理岗位", "Candidate group")} getOptions={getOptions}
    getValue={current} setValue={setValue} />;
}

function expressionProperty(name, label) {
  return function PropertyEntry({ element, id }) {
    const [, injector, debounce] = useStudio();
    return <TextFieldEntry id={id} element={element} label={label} debounce={debounce}
      getValue={() => getProperty(element, name)} setValue={(v) => setProperty(element, name, v, injector)} />;
  };
}

// A text entry whose description previews the date the expression gives with the studio's sample data.
function usePreview(expression) {
  const [studio] = useStudio();
  const [text, setText] = useState("");
  useEffect(() => {
    let live = true;
    if (!expression) { setText(""); return undefined; }
    studio.previewTimer(expression).then((result) => live && setText(result));
    return () => { live = false; };
  }, [expression, studio.sampleVersion()]);
  return text;
}

function DueAtEntry({ element, id }) {
  const [, injector, debounce] = useStudio();
  const value = getProperty(element, "dueAt");
  const preview = usePreview(value);
  return <TextFieldEntry id={id} element={element} label={t("办理期限（表达式）", "Due date (expression)")}
    debounce={debounce} description={preview} getValue={() => value}
    setValue={(v) => setProperty(element, "dueAt", v, injector)} />;
}

function TimerEntry({ element, id }) {
  const [, injector, debounce] = useStudio();
  const definition = eventDefinition(element, "bpmn:TimerEventDefinition");
  const property = definition.timeDuration ? "timeDuration" : definition.timeCycle ? "timeCycle" : "timeDate";
  const value = (definition[property] && definition[property].body) || "";
  const preview = usePreview(value);
  return <TextAreaEntry id={id} element={element} debounce={debounce} rows={2} description={preview}
    label={t("触发时间（表达式，如 end_of_day(due_date)）", "Fires at (expression, e.g. end_of_day(due_date))")}
    getValue={() => value} setValue={(v) => setExpression(element, definition, property, v, injector)} />;
}

function DecisionEntry({ element, id }) {
  const [studio, injector] = useStudio();
  const getOptions = () => [{ value: "", label: t("（未选择）", "(none)") },
    ...studio.decisions().map((d) => ({ value: d.id, label: `${d.name} (${d.id})` }))];
  return <SelectEntry id={id} element={element} label={t("决策表", "Decision table")} getOptions={getOptions}
    getValue={() => getBody(getBusinessObject(element), "spiffworkflow:CalledDecisionId")}
    setValue={(v) => setBody(element, getBusinessObject(element), "spiffworkflow:CalledDecisionId", v, injector)} />;
}

function ScriptEntry({ element, id }) {
  const [, , debounce] = useStudio();
  const modeling = useService("modeling");
  return <TextAreaEntry id={id} element={element} label={t("脚本", "Script")} debounce={debounce} rows={6} monospace
    getValue={() => getBusinessObject(element).script || ""}
    setValue={(v) => modeling.updateProperties(element, { scriptFormat: "python", script: v })} />;
}

function scriptExtension(type, label) {
  return function ScriptExtensionEntry({ element, id }) {
    const [, injector, debounce] = useStudio();
    const bo = getBusinessObject(element);
    return <TextAreaEntry id={id} element={element} label={label} debounce={debounce} rows={3} monospace
      getValue={() => getBody(bo, type)} setValue={(v) => setBody(element, bo, type, v, injector)} />;
  };
}

function ConditionEntry({ element, id }) {
  const [, injector, debounce] = useStudio();
  const bo = getBusinessObject(element);
  return <TextAreaEntry id={id} element={element} label={t("流转条件", "Condition")} debounce={debounce} rows={2}
    monospace getValue={() => (bo.conditionExpression && bo.conditionExpression.body) || ""}
    setValue={(v) => setExpression(element, bo, "conditionExpression", v, injector)} />;
}

function MessageEntry({ element, id }) {
  const [studio] = useStudio();
  const [bpmnFactory, modeling, canvas] = ["bpmnFactory", "modeling", "canvas"].map((s) => useService(s));
  const definition = eventDefinition(element, "bpmn:MessageEventDefinition");
  const definitions = canvas.getRootElement().businessObject.$parent;
  const messages = () => (definitions.rootElements || []).filter((r) => is(r, "bpmn:Message"));
  const names = () => [...new Set([...messages().map((m) => m.name), ...studio.messageNames()])];
  const setValue = (name) => {
    let message = messages().find((m) => m.name === name);
    if (name && !message) {
      message = bpmnFactory.create("bpmn:Message", { name });
      message.$parent = definitions;
      modeling.updateModdleProperties(element, definitions, { rootElements: [...definitions.rootElements, message] });
    }
    modeling.updateModdleProperties(element, definition, { messageRef: message });
  };
  return <SelectEntry id={id} element={element} label={t("消息", "Message")} setValue={setValue}
    getValue={() => (definition.messageRef && definition.messageRef.name) || ""}
    getOptions={() => [{ value: "", label: t("（未选择）", "(none)") }, ...names().map((n) => ({ value: n, label: n }))]}
    description={t("以流程名命名的消息会发起该流程的关联案件；其他消息回报给原案件。",
      "A message named after a process starts a linked case of it; other messages report to the parent case.")} />;
}

function PayloadEntry({ element, id }) {
  const [, injector, debounce] = useStudio();
  const definition = eventDefinition(element, "bpmn:MessageEventDefinition");
  return <TextAreaEntry id={id} element={element} label={t("消息内容（字典表达式）", "Payload (dict expression)")}
    debounce={debounce} rows={3} monospace getValue={() => getBody(definition, "spiffworkflow:MessagePayload")}
    setValue={(v) => setBody(element, definition, "spiffworkflow:MessagePayload", v, injector)} />;
}
