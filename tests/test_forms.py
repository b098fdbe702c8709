"""Forms: load_form checks, coerce of HTML posts, validate messages, and the Jinja form macros."""
import json
import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from werkzeug.datastructures import MultiDict

from engine.forms.validation import validate
from engine.forms import Form, FormError, coerce, defaults, load_form

TEMPLATES = Path(__file__).resolve().parents[1] / "webapp" / "templates"

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["category", "visitors", "visit_date", "consent"],
    "properties": {
        "category": {"type": "string", "title": "诉求类别",
                     "oneOf": [{"const": "complaint", "title": "投诉"}, {"const": "advice", "title": "建议"},
                               {"const": "help", "title": "求助"}]},
        "channel": {"type": "string", "title": "来源渠道", "enum": ["phone", "web"], "default": "phone"},
        "visitors": {"type": "integer", "title": "来访人数", "minimum": 1, "maximum": 99},
        "amount": {"type": "number", "title": "涉及金额"},
        "visit_date": {"type": "string", "format": "date", "title": "来访日期"},
        "received_at": {"type": "string", "format": "date-time", "title": "受理时间"},
        "consent": {"type": "boolean", "title": "已告知权利义务", "const": True},
        "urgent": {"type": "boolean", "title": "紧急", "default": False},
        "topics": {"type": "array", "title": "涉及领域", "uniqueItems": True, "maxItems": 2,
                   "items": {"type": "string", "oneOf": [{"const": "housing", "title": "住房"},
                                                         {"const": "labor", "title": "劳动"},
                                                         {"const": "env", "title": "环保"}]}},
        "summary": {"type": "string", "title": "诉求摘要", "maxLength": 10, "description": "简要概括"},
        "phone": {"type": "string", "title": "联系电话", "pattern": "^1[3-9]\\d{9}$"},
        "representatives": {
            "type": "array", "title": "群访代表", "maxItems": 3,
            "items": {"type": "object", "required": ["name"], "additionalProperties": False,
                      "properties": {"name": {"type": "string", "title": "姓名"},
                                     "phone": {"type": "string", "title": "电话", "pattern": "^\\d{11}$"}}}},
    },
    "allOf": [{"if": {"properties": {"category": {"const": "complaint"}}, "required": ["category"]},
               "then": {"required": ["summary"]}}],
}
UI = {
    "ui:order": ["category", "channel", "*"],
    "channel": {"ui:widget": "radio", "ui:enumNames": ["电话", "网站"]},
    "summary": {"ui:widget": "textarea", "ui:help": "不超过十个字", "ui:placeholder": "请填写"},
}


@pytest.fixture
def form() -> Form:
    return load_form(json.dumps(SCHEMA), json.dumps(UI), "intake")


def good_post(**changes):
    post = {"category": "advice", "visitors": "2", "visit_date": "2026-11-23", "consent": "true"}
    post.update(changes)
    return MultiDict([(k, v) for k, vs in post.items() for v in (vs if isinstance(vs, list) else [vs])])


# load_form ----------------------------------------------------------------------------------------

def test_load_form_and_helpers(form):
    assert form.name == "intake"
    assert form.field_order()[:3] == ["category", "channel", "visitors"]
    assert form.field_order()[-1] == "representatives"
    assert form.labels()["visit_date"] == "来访日期"
    assert form.choice_label("category", "help") == "求助"
    assert form.choice_label("channel", "web") == "网站"
    assert form.choice_label("topics", ["housing", "env"]) == "住房、环保"
    assert form.choice_label("category", "unknown") == "unknown"
    assert defaults(form) == {"channel": "phone", "urgent": False}


@pytest.mark.parametrize("schema_text, ui_text, expected", [
    ("{not json", None, "not valid JSON"),
    (json.dumps({"type": "object", "properties": {"a": {"type": "strin"}}}), None, "invalid JSON Schema"),
    (json.dumps({"type": "array"}), None, '"type" must be "object"'),
    (json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}), '{"ui:order": ["b"]}', "'b'"),
    (json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}), "[1", "not valid JSON"),
    (json.dumps({"type": "object", "properties": {}, "required": ["x"]}), None, "'x'"),
    (None, None, "not valid JSON"),
])
def test_bad_form_raises_form_error(schema_text, ui_text, expected):
    with pytest.raises(FormError) as info:
        load_form(schema_text, ui_text, "broken")
    assert any(expected in p for p in info.value.problems)
    assert all("broken." in p for p in info.value.problems)  # the file is named


# coerce -------------------------------------------------------------------------------------------

def test_coerce_types(form):
    post = good_post(amount="12.5", received_at="2026-11-23T09:30", topics=["housing", "labor"],
                     unknown="ignored", phone="", urgent="on")
    data = coerce(form, post)
    assert data == {"category": "advice", "visitors": 2, "amount": 12.5, "visit_date": "2026-11-23",
                    "received_at": "2026-11-23T09:30:00+08:00", "consent": True, "urgent": True,
                    "topics": ["housing", "labor"], "representatives": []}
    assert validate(form, data) == {}


def test_coerce_plain_dict_of_lists(form):
    data = coerce(form, {"visitors": ["3"], "consent": ["true"], "topics": ["env"], "visit_date": "2026-01-02"})
    assert data["visitors"] == 3 and data["consent"] is True and data["topics"] == ["env"]
    assert data["visit_date"] == "2026-01-02" and data["urgent"] is False


def test_wrong_type_keeps_raw_value(form):
    data = coerce(form, good_post(visitors="三个", amount="1,5"))
    assert data["visitors"] == "三个" and data["amount"] == "1,5"
    errors = validate(form, data)
    assert errors["visitors"] == "请输入整数"
    assert errors["amount"] == "请输入数字"


def test_checkbox_absent_is_false(form):
    post = good_post()
    del post["consent"]
    data = coerce(form, post)
    assert data["consent"] is False and data["urgent"] is False
    assert validate(form, data) == {"consent": "必须勾选此项"}


def test_missing_required_is_reported_on_the_field(form):
    data = coerce(form, MultiDict([("category", ""), ("consent", "true")]))
    assert "category" not in data
    errors = validate(form, data)
    assert errors == {"category": "此项为必填项", "visitors": "此项为必填项", "visit_date": "此项为必填项"}


def test_date_and_datetime_formats_enforced(form):
    errors = validate(form, coerce(form, good_post(visit_date="2026-02-30", received_at="明天上午")))
    assert errors == {"visit_date": "日期格式应为 YYYY-MM-DD", "received_at": "日期时间格式应为 YYYY-MM-DD HH:MM"}
    ok = coerce(form, good_post(visit_date="2026-02-28", received_at="2026-11-23T09:30:15"))
    assert ok["received_at"] == "2026-11-23T09:30:15+08:00" and validate(form, ok) == {}


def test_invalid_choices(form):
    errors = validate(form, coerce(form, good_post(category="bribe", channel="fax", topics=["housing", "moon"])))
    assert errors["category"] == "请选择列表中的选项"
    assert errors["channel"] == "请选择列表中的选项"
    assert errors["topics"] == "请选择列表中的选项"


def test_limits(form):
    data = coerce(form, good_post(visitors="0", summary="一二三四五六七八九十十一", phone="123",
                                  topics=["housing", "labor", "env"]))
    errors = validate(form, data)
    assert errors["visitors"] == "不能小于 1"
    assert errors["summary"] == "不能超过 10 个字符"
    assert errors["phone"] == "格式不正确"
    assert errors["topics"] == "最多 2 项"
    assert validate(form, {**data, "visitors": 100})["visitors"] == "不能大于 99"


def test_if_then_conditional_required(form):
    assert validate(form, coerce(form, good_post(category="complaint"))) == {"summary": "此项为必填项"}
    assert validate(form, coerce(form, good_post(category="complaint", summary="噪音扰民"))) == {}
    assert validate(form, coerce(form, good_post(category="help"))) == {}


def test_array_of_object_rows(form):
    post = good_post(**{"representatives-0-name": "张三", "representatives-0-phone": "13800000000",
                        "representatives-1-name": "", "representatives-1-phone": "",
                        "representatives-2-name": "", "representatives-2-phone": "123"})
    data = coerce(form, post)
    assert data["representatives"] == [{"name": "张三", "phone": "13800000000"}, {"phone": "123"}]
    errors = validate(form, data)
    assert errors == {"representatives.1.name": "此项为必填项", "representatives.1.phone": "格式不正确"}


def test_too_many_rows_and_unknown_fields(form):
    rows = {f"representatives-{i}-name": f"代表{i}" for i in range(4)}
    errors = validate(form, coerce(form, good_post(**rows)))
    assert errors == {"representatives": "最多 3 项"}
    errors = validate(form, {**coerce(form, good_post()), "hacker": 1})
    assert errors == {"": "包含未知字段：hacker"}


def test_english_messages(form):
    errors = validate(form, coerce(form, good_post(visitors="x", visit_date="", category="nope")), lang="en")
    assert errors == {"category": "Please choose one of the listed options",
                      "visitors": "Please enter a whole number", "visit_date": "This field is required"}
    post = good_post()
    del post["consent"]
    assert validate(form, coerce(form, post), lang="en") == {"consent": "This box must be ticked"}


def test_one_message_per_field(form):
    errors = validate(form, {"category": 5, "visitors": "x", "visit_date": "2026-01-01", "consent": True})
    assert errors == {"category": "请输入文字", "visitors": "请输入整数"}


# macros -------------------------------------------------------------------------------------------

@pytest.fixture
def env():
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined)


def render(env, form, values=None, errors=None, lang="zh"):
    tpl = env.from_string('{% from "macros/form.html" import render_form %}'
                          "<form>{{ render_form(form, values, errors, lang) }}</form>")
    return tpl.render(form=form, values=values or {}, errors=errors or {}, lang=lang)


def field_html(html, name):
    """The <div class="field"> that holds the input called `name`."""
    for block in re.findall(r'<div class="field[ "].*?\n</div>', html, re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def test_macro_labels_widgets_and_required_marks(env, form):
    html = render(env, form)
    assert "<form>" in html and html.count("<form") == 1 and "type=\"submit\"" not in html
    cat = field_html(html, "category")
    assert '<label for="f-category">诉求类别<span class="req"' in cat
    assert '<select name="category" id="f-category"' in cat
    assert '<option value="">请选择</option>' in cat and '<option value="complaint">投诉</option>' in cat
    channel = field_html(html, "channel")
    assert 'type="radio" name="channel" id="f-channel-1" value="web"' in channel
    assert '<label for="f-channel-1">网站</label>' in channel and 'class="req"' not in channel
    assert 'type="number" name="visitors" id="f-visitors"' in html and 'min="1"' in html and 'step="1"' in html
    assert 'type="date" name="visit_date"' in html and 'type="datetime-local" name="received_at"' in html
    assert 'type="checkbox" name="consent" id="f-consent" value="true"' in html
    assert 'type="checkbox" name="topics" id="f-topics-0" value="housing"' in html
    summary = field_html(html, "summary")
    assert '<textarea name="summary"' in summary and 'placeholder="请填写"' in summary
    assert "不超过十个字" in summary and "简要概括" in summary
    for i in range(3):
        assert f'name="representatives-{i}-name" id="f-representatives-{i}-name"' in html
    assert 'name="representatives-3-name"' not in html


def test_macro_errors_and_typed_values(env, form):
    data = coerce(form, good_post(visitors="三个", received_at="2026-11-23T09:30", topics=["labor"],
                                  **{"representatives-0-phone": "1"}))
    errors = validate(form, data)
    html = render(env, form, data, errors)
    visitors = field_html(html, "visitors")
    assert "has-error" in visitors and 'aria-invalid="true"' in visitors
    assert 'value="三个"' in visitors
    assert '<p class="field-error" id="f-visitors-error">请输入整数</p>' in visitors
    assert 'value="2026-11-23T09:30"' in field_html(html, "received_at")
    assert 'value="labor" checked' in html and 'value="housing" checked' not in html
    assert 'value="advice" selected' in html
    row = field_html(html, "representatives-0-name")
    assert "has-error" in row and "此项为必填项" in row
    assert "has-error" not in field_html(html, "category")


def test_macro_escapes_user_data(env, form):
    html = render(env, form, {"summary": "<script>alert(1)</script>", "phone": '"><b>x'},
                  {"summary": "<i>bad</i>"})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"><b>x' not in html and "<i>bad</i>" not in html


def test_macro_english_and_readonly(env):
    schema = {"type": "object", "properties": {
        "kind": {"type": "string", "title": "Kind", "enum": ["a", "b"]},
        "ok": {"type": "boolean", "title": "OK"},
        "note": {"type": "string", "title": "Note"},
        "secret": {"type": "string", "title": "S"}}}
    ui = {"kind": {"ui:readonly": True}, "ok": {"ui:readonly": True}, "note": {"ui:readonly": True},
          "secret": {"ui:widget": "hidden"}}
    form = load_form(json.dumps(schema), json.dumps(ui), "ro")
    html = render(env, form, {"kind": "b", "ok": True, "note": "hi", "secret": "s1"}, lang="en")
    assert '<option value="">Please choose</option>' in html
    assert "disabled" in field_html(html, "kind") and '<input type="hidden" name="kind" value="b">' in html
    assert '<input type="hidden" name="ok" value="true">' in html
    assert "readonly" in field_html(html, "note")
    assert '<input type="hidden" name="secret" id="f-secret" value="s1">' in html
    assert coerce(form, MultiDict([("kind", "b"), ("ok", "true"), ("secret", "s1")])) == \
        {"kind": "b", "ok": True, "secret": "s1"}


def test_render_data(env, form):
    tpl = env.from_string('{% from "macros/form.html" import render_data %}{{ render_data(forms, data, masked) }}')
    props = {"category": {"type": "string", "title": "别名"}, "result": {"type": "string", "title": "办理结果"}}
    other = load_form(json.dumps({"type": "object", "properties": props}), None, "other")
    data = {"zzz_internal": "<x>", "category": "complaint", "phone": "13800000000", "consent": True,
            "topics": ["housing", "env"], "result": "已办结",
            "representatives": [{"name": "张三", "phone": "13800000000"}]}
    html = tpl.render(forms=[form, other], data=data, masked=["phone"])
    assert html.startswith('<dl class="case-data">')
    assert "<dt>诉求类别</dt><dd>投诉</dd>" in html and "别名" not in html
    assert "<dt>联系电话</dt><dd><span class=\"masked\">（已隐藏）</span></dd>" in html and "13800000000</dd>" not in html
    assert "<dd>是</dd>" in html and "<dd>住房、环保</dd>" in html and "<dt>办理结果</dt><dd>已办结</dd>" in html
    assert "<li>姓名：张三，电话：13800000000</li>" in html
    assert "zzz_internal</dt><dd>&lt;x&gt;</dd>" in html
    assert html.index("诉求类别") < html.index("办理结果") < html.index("zzz_internal")


def _probes(schema: dict) -> list[dict]:
    """Submissions that hit each field's choices: each option, a stranger, a wrong type, nothing."""
    props = schema.get("properties") or {}
    probes = [{}]
    for name, prop in props.items():
        target = prop.get("items", prop) if prop.get("type") == "array" else prop
        options = [o.get("const") for o in (target.get("oneOf") or target.get("anyOf") or []) if isinstance(o, dict)]
        wrap = (lambda v: [v]) if prop.get("type") == "array" else (lambda v: v)
        probes += [{name: wrap(v)} for v in [*options[:3], "不在列表中", 7, None, True]]
    return probes


def test_choices_checked_as_enums_give_the_same_messages_on_every_form():
    """make_validator checks a oneOf of consts as an enum: on every form of the project, and a oneOf of mixed
    or repeated consts left as it is, every probe gets the messages plain jsonschema gives."""
    from jsonschema import Draft202012Validator
    from engine.forms.validation import FORMATS
    forms = [load_form(p.read_text("utf-8"), p.with_name(p.name.replace(".schema.", ".uischema.")).read_text("utf-8"),
                       p.name.removesuffix(".schema.json"))
             for p in sorted((Path(__file__).resolve().parents[1] / "forms").glob("*.schema.json"))]
    odd = Form("odd", {"type": "object", "properties": {
        "n": {"oneOf": [{"const": 1}, {"const": 1.0}, {"const": True}]},
        "twice": {"type": "string", "oneOf": [{"const": "a"}, {"const": "a"}]}}}, {})
    compared = 0
    for form in [*forms, odd, Form("sample", SCHEMA, {})]:
        plain = Form(form.name, form.schema, form.ui)
        plain.__dict__["validator"] = Draft202012Validator(form.schema, format_checker=FORMATS)
        for data in _probes(form.schema):
            for lang in ("zh", "en"):
                assert validate(form, data, lang) == validate(plain, data, lang), (form.name, data)
                compared += 1
    assert len(forms) > 40 and compared > 2000
    assert "enum" in form.validator.schema["properties"]["category"]          # the sample's choices
    assert "oneOf" in odd.validator.schema["properties"]["n"] and "oneOf" in odd.validator.schema["properties"]["twice"]
