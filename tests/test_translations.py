"""Chinese is complete and stays complete.

The site speaks Simplified Chinese by default (LANGUAGE_CODE "zh-hans") from English
source strings. These tests fail when the zh_Hans catalogue has an untranslated or fuzzy
message, when the source has a translatable string the catalogue lacks (or the catalogue
keeps one the source dropped), and when a key page still shows English interface text.
The fix is in docs/operations.md (Translations): run makemessages, translate, commit the
.po file.
"""

from __future__ import annotations

import io
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import polib
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY
from tests.registry.ledgers import rid, xlsx
from tests.world import build_world

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fangkong"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES = (
    "cd src/fangkong && ../../.venv/bin/fangkong makemessages -l zh_Hans --no-location "
    "--ignore 'static/*'"
)
HAN = re.compile(r"[\u4e00-\u9fff]")
# %(name)s, %s, %d, {name}: what a translation must keep, as many times as the source.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def _key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _show(key: tuple[str, str, str]) -> str:
    context, msgid, plural = key
    return (f"[{context}] " if context else "") + repr(msgid) + (f" / {plural!r}" if plural else "")


@cache
def _catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def _entries() -> list[polib.POEntry]:
    return [e for e in _catalogue() if not e.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


# --- (a) the catalogue is complete ---------------------------------------------------


def test_the_catalogue_is_for_simplified_chinese() -> None:
    catalogue = _catalogue()
    assert catalogue.metadata["Language"] == "zh_Hans"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert not catalogue.metadata_is_fuzzy, "remove the '#, fuzzy' flag from the header"
    assert len(_entries()) > 300


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    fuzzy = [_show(_key(e)) for e in _entries() if "fuzzy" in e.flags]
    untranslated = [
        _show(_key(e)) for e in _entries() if not all(t.strip() for t in _translations(e))
    ]
    assert fuzzy == [], f"fuzzy entries in {CATALOGUE}: check and unflag them"
    assert untranslated == [], f"untranslated entries in {CATALOGUE}"


def test_every_translation_is_chinese() -> None:
    """A message "translated" by copying the English is still English on the page.
    (Punctuation alone, such as ":" -> "：", has no words to translate.)"""
    english = [
        _show(_key(e))
        for e in _entries()
        if any(c.isalpha() for c in e.msgid)
        and not all(HAN.search(t) for t in _translations(e) if t.strip())
    ]
    assert english == []


def test_translations_keep_their_placeholders() -> None:
    broken = []
    for entry in _entries():
        wanted = Counter(PLACEHOLDER.findall(entry.msgid))
        for text in _translations(entry):
            if text and Counter(PLACEHOLDER.findall(text)) != wanted:
                broken.append(f"{_show(_key(entry))} -> {text!r}")
    assert broken == []


# --- (b) the catalogue matches the source ------------------------------------------------


def test_the_catalogue_holds_exactly_the_strings_of_the_source(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makemessages on a copy of the package (never the working tree), compared by message."""
    copy = tmp_path / "fangkong"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("locale", "static", "__pycache__", "*.pyc", "*.mo"),
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        no_location=True,
        ignore_patterns=["static/*"],
        verbosity=0,
    )
    extracted = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    in_source = {_key(e) for e in extracted if not e.obsolete}
    in_catalogue = {_key(e) for e in _entries()}
    missing = sorted(in_source - in_catalogue)
    stale = sorted(in_catalogue - in_source)
    assert not missing and not stale, (
        f"the catalogue is out of date: run `{MAKEMESSAGES}`, translate, commit the .po.\n"
        f"in the source, not in the catalogue: {[_show(k) for k in missing]}\n"
        f"in the catalogue, no longer in the source: {[_show(k) for k in stale]}"
    )


# --- (c) pages show no English interface text ----------------------------------------------

# The language selector names every language in its own language, as it should.
LANGUAGE_NAMES = {"English", "简体中文"}
UI_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt"}


class _Texts(HTMLParser):
    """The text a user sees or hears: text nodes (not scripts) and labelling attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts += [" ".join(v.split()) for k, v in attrs if k in UI_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def _ui_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return [t for t in parser.texts if t not in LANGUAGE_NAMES]


@cache
def _english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every English source string as a pattern a text node would match if it leaked:
    placeholders match anything; long sentences also match inside a longer text."""
    patterns = []
    for entry in _entries():
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            body = PLACEHOLDER.sub("\x00", msgid)
            regex = ".+".join(re.escape(part) for part in body.split("\x00"))
            if " " in msgid.strip() and len(body) >= 20:
                regex = f".*{regex}.*"
            patterns.append((msgid, re.compile(regex, re.DOTALL)))
    return patterns


def _english_leftovers(html: str) -> list[str]:
    texts = _ui_texts(html)
    return sorted(
        {m for m, pattern in _english_patterns() if any(pattern.fullmatch(t) for t in texts)}
    )


def _page(client: Client, url: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _present(html: str, texts: Iterable[str]) -> list[str]:
    seen = set(_ui_texts(html))
    return [t for t in texts if t in seen]


@pytest.fixture(autouse=True)
def _language_left_as_found() -> Iterator[None]:
    """A request activates its language in this thread (LocaleMiddleware); an English
    request must not make the next test in this worker English."""
    language = translation.get_language()
    yield
    translation.activate(language)


def test_the_login_page_is_chinese(client: Client) -> None:
    html = _page(client, reverse("accounts:login"))
    assert '<html lang="zh-hans">' in html
    wanted = [
        "登录 · 防控",
        "登录",
        "用户名",
        "密码",
        "连续五次登录失败后，账号将被锁定半小时。",
        "防控——基层疫情防控系统",
    ]
    assert _english_leftovers(html) == []
    assert _present(html, wanted) == wanted
    assert _present(html, ["Log in", "Username", "Password"]) == []


@pytest.fixture
def worker_client(tree: Any, system_scope: Scope, make_user: Callable[..., User]) -> Client:
    build_world(system_scope)
    client = Client()
    client.force_login(make_user("community_worker", COMMUNITY, username="worker"))
    return client


NAV_ZH = ["辖区", "人员", "导入台账", "账号", "退出登录"]
NAV_EN = ["Jurisdiction", "People", "Import ledger", "Accounts", "Log out"]


def test_the_person_list_of_a_community_worker_is_chinese(worker_client: Client) -> None:
    html = _page(worker_client, reverse("registry:persons"))
    assert '<html lang="zh-hans">' in html
    wanted = [
        *NAV_ZH,
        "人员 · 防控",
        "全部人员",
        "在住",
        "待核实",
        "将此列表导出为 Excel",
        "导出完整身份证号和联系电话",
        "导出 .xlsx",
        "第 1 页",
        "张三",
        "李梅",
    ]
    assert _english_leftovers(html) == []
    assert _present(html, wanted) == wanted
    assert _present(html, NAV_EN) == []


def test_the_exported_ledger_has_the_offices_column_names(
    worker_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    response = worker_client.post(reverse("registry:person_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["人员台账"]
    assert [str(r[0]).split("：")[0] for r in rows[1:5]] == [
        "导出人",
        "导出时间",
        "筛选条件",
        "身份证号和联系电话",
    ]
    assert rows[3] == ["筛选条件：状态：在住"]
    assert rows[4] == ["身份证号和联系电话：已脱敏"]
    assert rows[5] == [
        "姓名",
        "性别",
        "身份证号（脱敏）",
        "出生日期",
        "联系电话（脱敏）",
        "民族",
        "现住址",
        "与户主关系",
        "人员类别",
        "特殊群体",
        "社区",
        "备注",
    ]


def test_english_is_still_there_for_who_asks(worker_client: Client) -> None:
    """A browser that prefers English gets English; the footer's selector switches too."""
    html = _page(worker_client, reverse("registry:persons"), {"Accept-Language": "en"})
    assert '<html lang="en">' in html
    assert _present(html, [*NAV_EN, "Export this list to Excel", "Page 1"]) == [
        *NAV_EN,
        "Export this list to Excel",
        "Page 1",
    ]
    assert _present(html, NAV_ZH) == []

    client = Client()
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("accounts:login")}
    )
    assert response.status_code == 302
    html = _page(client, response["Location"])
    assert '<html lang="en">' in html
    assert _present(html, ["Log in", "Username", "Password"]) == ["Log in", "Username", "Password"]
    assert _present(html, ["登录", "用户名", "密码"]) == []


def test_the_import_command_reports_in_chinese(tree: Any, tmp_path: Path) -> None:
    """The command line is an office's tool too: it speaks the site's language."""
    ledger = xlsx(
        tmp_path / "台账.xlsx",
        [
            [1, "张三", "男", rid(), "", "13800000001", "金华小区", 3, 2, 501, "", "户主", ""],
            [2, "", "女", rid(seq=22, sex="F"), "", "", "", "", "", "", "", "", ""],
        ],
    )
    translation.deactivate()  # as in a command's own process: settings.LANGUAGE_CODE
    out = io.StringIO()
    call_command(
        "import", "persons", str(ledger), "--community", COMMUNITY, "--dry-run", stdout=out
    )
    assert out.getvalue().splitlines() == [
        "试运行：未保存任何数据。",
        "人员行：2  新增：1  更新：0  未变：0  未导入：1  提示：0",
        "新建地点：小区 1  楼栋 1  单元 1  户 1",
        "未导入的行：",
        "  第4行 [姓名] ：姓名为空。",
    ]
