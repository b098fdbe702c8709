// The modelers' own words (palette, context pad, properties panel, decision table) in Chinese unless the page
// is served in English: bpmn-js through the community translations on the npm registry (bpmn-io's
// bpmn-js-i18n and bpmn-js-i18n-zh, which also covers the properties panel), dmn-js's decision table through
// the words below (no published translation covers it).
import bpmnIo from "bpmn-js-i18n/translations/zn";
import bpmnZh from "bpmn-js-i18n-zh/lib/bpmn-js";
import panelZh from "bpmn-js-i18n-zh/lib/properties-panel";
import { english } from "../i18n";

const DECISION_TABLE = {
  "Hit policy:": "命中策略：", "Hit policy": "命中策略", Unique: "唯一", First: "首条", Priority: "优先级",
  Any: "任一", Collect: "汇总", "Collect (Sum)": "汇总（求和）", "Collect (Min)": "汇总（最小值）",
  "Collect (Max)": "汇总（最大值）", "Collect (Count)": "汇总（计数）", "Rule order": "规则顺序",
  "Output order": "输出顺序", When: "当", And: "且", Then: "则", Annotation: "注释", Annotations: "注释",
  "View DRD": "查看决策需求图", Input: "输入", Output: "输出", "Add rule": "添加规则",
  "Add rule above": "在上方添加规则", "Add rule below": "在下方添加规则", "Remove rule": "删除规则",
  "Copy rule": "复制规则", "Cut rule": "剪切规则", "Paste rule above": "粘贴到上方", "Paste rule below": "粘贴到下方",
  "Move rule": "移动规则", "Add input": "添加输入", "Add output": "添加输出",
  "Add input column left": "在左侧添加输入列", "Add input column right": "在右侧添加输入列",
  "Add output column left": "在左侧添加输出列", "Add output column right": "在右侧添加输出列",
  "Remove input column": "删除输入列", "Remove output column": "删除输出列",
  "Copy input column": "复制输入列", "Copy output column": "复制输出列",
  "Cut input column": "剪切输入列", "Cut output column": "剪切输出列",
  "Paste input column left": "粘贴到左侧", "Paste input column right": "粘贴到右侧",
  "Paste output column left": "粘贴到左侧", "Paste output column right": "粘贴到右侧",
  "Add cell description": "添加单元格说明", "Remove cell description": "删除单元格说明",
  "Input label": "输入名称", "Input label: ": "输入名称：", "Input expression": "输入表达式",
  "Input expression: ": "输入表达式：", "Input type": "输入类型", "Input values": "输入取值",
  "Output label": "输出名称", "Output label: ": "输出名称：", "Output name": "输出变量",
  "Output name: ": "输出变量：", "Output type": "输出类型", "Output values": "输出取值",
  "Decision name": "决策名称", "Decision name: ": "决策名称：", "Expression language": "表达式语言",
  "Expression language: {expressionLanguageLabel}": "表达式语言：{expressionLanguageLabel}",
  "Change cell expression language": "更改单元格表达式语言", "Expression": "表达式", "Enter expression": "输入表达式",
  "Predefined values": "预设取值", "Add predefined values": "添加预设取值", "Clear predefined values": "清除预设取值",
  "Add values": "添加取值", "Custom values": "自定义取值", "No values": "无取值", "Values": "取值", "Value": "值",
  Type: "类型", Edit: "编辑", "Edit string": "编辑文本", "Edit number": "编辑数值", "Edit boolean": "编辑布尔值",
  "Edit date": "编辑日期", "String value": "文本值", "Boolean value": "布尔值", "Date value": "日期值",
  "Strings must be in double quotes": "文本须加双引号", Yes: "是", No: "否", Match: "匹配",
  "Match one": "匹配其中之一", "Match none": "都不匹配", Comparison: "比较", Range: "范围", Equals: "等于",
  Less: "小于", "Less or equals": "小于等于", Greater: "大于", "Greater or equals": "大于等于",
  Include: "包含", Exclude: "不包含", "Start value": "起始值", "End value": "结束值",
  "Test type": "判断方式", "Comparison operator": "比较运算符", "Set value": "设置值", Resize: "调整宽度",
};

function translator(words) {
  return (template, replacements = {}) =>
    (words[template] || template).replace(/{([^}]+)}/g, (all, key) => (key in replacements ? replacements[key] : all));
}

// A module replacing the modelers' `translate` service; none in English (their own words are English).
export const bpmnTranslate = english ? [] : [{ translate: ["value", translator({ ...bpmnIo, ...bpmnZh, ...panelZh })] }];
export const dmnTranslate = english ? [] : [{ translate: ["value", translator(DECISION_TABLE)] }];
