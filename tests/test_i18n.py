"""The English UI: ?lang=en (kept in the session) translates the pages; the catalog is complete."""
from __future__ import annotations

import os
import re
import tempfile

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT, login

TRANSLATIONS = ROOT / "webapp" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def compile_catalogs() -> None:
    """Compile each messages.po whose .mo is missing or older (as `make install` does), atomically."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog)
        os.replace(tmp, mo)


# At import, before any test runs: Flask-Babel caches loaded catalogs process-wide, so a page rendered in
# English before the .mo existed would stay untranslated for the whole session.
compile_catalogs()


def en_catalog():
    with EN_PO.open("rb") as f:
        return read_po(f)


def test_inbox_is_chinese_by_default(app):
    client = app.test_client()
    login(client, "op1")
    html = client.get("/").get_data(as_text=True)
    assert "我的待办" in html and 'lang="zh-CN"' in html
    assert "My tasks" not in html


def test_lang_en_translates_inbox_and_nav_and_sticks(app):
    client = app.test_client()
    login(client, "admin")
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html
    for text in ("My tasks", "New case", "Cases", "Work calendar", "Log out",
                 "Petitions and 12345 Hotline Casework"):
        assert text in html, text
    for text in ("我的待办", "新建", "工作日历", "退出"):
        assert text not in html, text
    assert "My tasks" in client.get("/").get_data(as_text=True)  # kept in the session
    assert "Status" in client.get("/instances").get_data(as_text=True)


def test_login_page_and_flash_in_english(app):
    client = app.test_client()
    html = client.get("/login?lang=en").get_data(as_text=True)
    for text in ("Log in", "Username", "Password"):
        assert text in html, text
    assert "用户名" not in html and "密码" not in html
    wrong = login(client, "op1", "nope").get_data(as_text=True)  # a gettext() call in the view
    assert "Incorrect username or password" in wrong


def test_lang_zh_switches_back(app):
    client = app.test_client()
    login(client, "op1")
    assert "My tasks" in client.get("/?lang=en").get_data(as_text=True)
    html = client.get("/?lang=zh").get_data(as_text=True)
    assert "我的待办" in html and "My tasks" not in html
    assert "我的待办" in client.get("/").get_data(as_text=True)


def test_every_msgid_has_an_english_msgstr():
    catalog = en_catalog()
    messages = [m for m in catalog if m.id]
    assert messages
    assert not catalog.fuzzy
    for m in messages:
        assert isinstance(m.string, str) and m.string.strip(), f"untranslated: {m.id!r}"
        assert "fuzzy" not in m.flags, f"fuzzy: {m.id!r}"
        assert sorted(PLACEHOLDER.findall(m.id)) == sorted(PLACEHOLDER.findall(m.string)), m.id


def test_catalog_covers_every_wrapped_string():
    """Everything babel.cfg extracts is in the catalog; if not, run `make translations` and translate."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    extracted = {msg[2] for msg in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}
    known = {m.id for m in en_catalog() if m.id}
    assert extracted, "nothing extracted: check babel.cfg"
    assert not extracted - known, f"not in messages.po: {sorted(extracted - known)}"
