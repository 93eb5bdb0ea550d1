"""The community worker's day on a 360-px phone: search, the person file, a reveal,
a ledger with errors in and its rejected rows out, fixed and re-imported, an export.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from playwright.sync_api import Page, expect
from stdnum.cn import ric

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

COMMUNITY = "410106001001"  # 中安街社区, the demo community_worker's community
WORKER = "community_worker"
REVEAL_REASON = "核对推送名单"
PAGE_SIZE = 30  # the person list's page size
PHONE_WIDTH = 360
IMPORT_TIMEOUT = 30_000  # ms: the background job and the 1-s polling

SEARCH_CANDIDATE = """
from django.db.models import Q
from fangkong.registry.models import Person

people = {p.pk: p for p in Person.objects.filter(pk__in=params["ids"])}
first_page = (Person.objects.filter(community_code=params["community"], status="active")
              .order_by("id").values_list("id", flat=True)[:params["page_size"]])
result = {"first_page": list(first_page), "chosen": None}
for pk in params["ids"]:
    person = people[pk]
    if not person.id_number or not person.name_initials:
        continue
    text = person.name_initials
    match = Person.objects.filter(Q(name_initials__startswith=text)
                                  | Q(name_pinyin__startswith=text), status="active")
    inside = list(match.filter(community_code=params["community"])
                  .order_by("id").values_list("id", flat=True))
    outside = match.exclude(community_code=params["community"]).count()
    if outside and len(inside) <= params["page_size"]:
        result["chosen"] = {"id": pk, "name": person.name, "initials": text,
                            "id_number": person.id_number, "inside": inside,
                            "outside": outside}
        break
"""

SEARCH_BY_TEXT = """
from django.db.models import Q
from fangkong.registry.models import Person

people = (Person.objects
          .filter(Q(name__startswith=params["q"]) | Q(address__contains=params["q"]),
                  community_code=params["community"], status="active")
          .order_by("id"))
result = [{"id": p.pk, "name": p.name, "id_number": p.id_number} for p in people]
"""


def masked(id_number: str) -> str:
    """The masked form the issue specifies: 4101********1234."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def check_digit(first17: str) -> str:
    """GB 11643. stdnum wants the whole number and ignores its last character (its
    `is_valid` also wants a region code it knows, which the registry never requires)."""
    return ric.calc_check_digit(first17 + "0")


def resident_id(first17: str) -> str:
    return first17 + check_digit(first17)


def wrong_check_digit(first17: str) -> str:
    return first17 + ("0" if check_digit(first17) != "0" else "1")


# The ledger: a merged title row, the header, three good rows, one identity number with
# a wrong check digit (row 6) and one row without a name (row 7). Sexes match the
# numbers (17th digit odd = male), so no warning is due.
GOOD = [
    ("欧阳晓峰", "男", resident_id("41010619850312731"), "13937120001", "青枫小区1号楼1单元101室"),
    ("司马静怡", "女", resident_id("41010619900704182"), "13937120002", "青枫小区1号楼1单元102室"),
    ("诸葛文博", "男", resident_id("41010620010119655"), "13937120003", "青枫小区2号楼1单元201室"),
]
BAD_ID_FIRST17 = "41010619781130264"
BAD_ID = (
    "上官雨桐",
    "女",
    wrong_check_digit(BAD_ID_FIRST17),
    "13937120004",
    "青枫小区2号楼2单元301室",
)
NAMELESS = ("", "男", resident_id("41010619660521413"), "13937120005", "青枫小区3号楼1单元101室")
FIXED_NAME = "东方明远"
HEADER = ["姓名", "性别", "身份证号", "联系电话", "现住址"]
TITLE = "中安街社区居民信息登记表"


def write_ledger(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "居民信息"
    sheet.append([TITLE])
    sheet.merge_cells("A1:E1")
    sheet.append(HEADER)
    for row in [*GOOD, BAD_ID, NAMELESS]:
        sheet.append(list(row))
    for cell in sheet["C"]:
        cell.number_format = "@"  # identity numbers as text, as the import page asks
    book.save(path)
    return path


def header_row(sheet: Worksheet, name: str) -> tuple[int, dict[str, int]]:
    """The row number of the header that holds `name`, and its columns by name."""
    for row in sheet.iter_rows():
        values = [str(c.value).strip() if c.value is not None else "" for c in row]
        if name in values:
            return row[0].row, {v: i + 1 for i, v in enumerate(values) if v}
    raise AssertionError(f"no header with {name!r} in {sheet.title}")


def data_rows(sheet: Worksheet, after: int) -> list[int]:
    return [
        r
        for r in range(after + 1, sheet.max_row + 1)
        if any(c.value not in (None, "") for c in sheet[r])
    ]


def expect_summary(page: Page, server: Server, **counts: int) -> None:
    summary = page.locator("#import-summary")
    expect(page.locator("#import-summary, #import-error")).to_be_visible(timeout=IMPORT_TIMEOUT)
    if page.locator("#import-error").count():
        pytest.fail(
            f"the import failed: {page.locator('#import-error').inner_text()}\n"
            f"{server.last_traceback()}",
            pytrace=False,
        )
    for key in ("rows", "created", "updated", "unchanged", "rejected", "warnings"):
        expect(summary.locator(f"[data-summary={key}]")).to_have_text(str(counts[key]))


def assert_fits(page: Page) -> None:
    """No sideways scrolling on the phone (pages without a screenshot of their own)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px screen"


def import_ledger(page: Page, path: Path) -> None:
    page.goto("/registry/import/")
    assert_fits(page)
    form = page.locator("#import-form")
    form.locator("select[name=community]").select_option(COMMUNITY)
    form.locator("input[name=file]").set_input_files(path)
    expect(form.locator("input[name=dry_run]")).not_to_be_checked()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/registry/import/\d+/$"))


def type_search(page: Page, text: str) -> None:
    """Type into the search box like a person; wait until htmx has swapped the list."""
    page.locator("#q").press_sequentially(text, delay=60)
    expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(_quoted(text)) + "(&|$)"))


def _quoted(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


def result_ids(page: Page) -> list[int]:
    hrefs = page.locator("#person-results a.list-group-item").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    ids = []
    for href in hrefs:
        match = re.fullmatch(r"/registry/persons/(\d+)/", href)
        assert match, href
        ids.append(int(match.group(1)))
    return ids


def test_search_person_file_and_reveal(
    phone: Page, server: Server, log_in: LogIn, shoot: Shoot
) -> None:
    page = phone
    page.goto("/accounts/login/")
    expect(page.locator("#id_username")).to_be_visible()
    shoot(page, "01-login.png")
    log_in(page, WORKER)

    # The unfiltered list: the first page of the worker's own community only.
    page.goto("/registry/persons/")
    expect(page.locator("#person-results a.list-group-item").first).to_be_visible()
    first_page = result_ids(page)
    found = server.query(SEARCH_CANDIDATE, ids=first_page, community=COMMUNITY, page_size=PAGE_SIZE)
    assert first_page == found["first_page"]
    chosen = found["chosen"]
    assert chosen is not None, "no one on the first page shares initials with another community"

    # Search by initials: the person appears, and exactly the community's matches do,
    # although people elsewhere in the district match too.
    type_search(page, chosen["initials"])
    items = page.locator("#person-results a.list-group-item")
    expect(items).to_have_count(len(chosen["inside"]))
    assert result_ids(page) == chosen["inside"]
    assert chosen["id"] in chosen["inside"]
    assert chosen["outside"] > 0
    shoot(page, "02-search-phone.png")

    # The person file: the identity number is masked.
    page.locator(f"#person-results a[href='/registry/persons/{chosen['id']}/']").click()
    expect(page).to_have_url(re.compile(rf"/registry/persons/{chosen['id']}/$"))
    expect(page.locator("h1")).to_contain_text(chosen["name"])
    expect(page.locator("#masked-id_number")).to_have_text(masked(chosen["id_number"]))
    expect(page.locator("#reveal-result [data-revealed]")).to_have_count(0)
    shoot(page, "03-person-file.png")

    # Reveal it with a reason: the full 18-character number.
    form = page.locator("#reveal-form")
    form.locator("#reveal-field").select_option("id_number")
    form.locator("#reveal-reason").fill(REVEAL_REASON)
    form.locator("button[type=submit]").click()
    revealed = page.locator("#reveal-result [data-revealed=id_number]")
    expect(revealed).to_have_text(chosen["id_number"])
    assert len(chosen["id_number"]) == 18
    server.state["revealed"] = {"person_id": chosen["id"], "reason": REVEAL_REASON}
    shoot(page, "04-reveal.png")


def test_ledger_in_fix_reimport_and_export(
    phone: Page, server: Server, log_in: LogIn, shoot: Shoot, tmp_path: Path
) -> None:
    page = phone
    log_in(page, WORKER)
    ledger = write_ledger(tmp_path / f"{TITLE}.xlsx")

    # Five people rows: three created, the wrong check digit and the missing name rejected.
    import_ledger(page, ledger)
    expect_summary(page, server, rows=5, created=3, updated=0, unchanged=0, rejected=2, warnings=0)
    rejected = page.locator("#rejected tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.locator("td:nth-child(1)")).to_have_text(["6", "7"])
    expect(rejected.locator("td:nth-child(2)")).to_have_text(["身份证号", "姓名"])
    shoot(page, "05-import-result.png")

    # The rejected rows as a workbook: the ledger's columns plus 错误原因.
    with page.expect_download() as download_info:
        page.locator("#download-rejected").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    fixed = tmp_path / download.suggested_filename
    download.save_as(fixed)
    book = openpyxl.load_workbook(fixed)
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    header, columns = header_row(sheet, "姓名")
    assert set(HEADER) | {"错误原因"} == set(columns)
    rows = data_rows(sheet, header)
    assert len(rows) == 2
    by_id = {str(sheet.cell(r, columns["身份证号"]).value): r for r in rows}
    assert set(by_id) == {BAD_ID[2], NAMELESS[2]}
    for r in rows:
        assert str(sheet.cell(r, columns["错误原因"]).value or "").strip()
    assert sheet.cell(by_id[BAD_ID[2]], columns["姓名"]).value == BAD_ID[0]
    assert sheet.cell(by_id[NAMELESS[2]], columns["姓名"]).value in (None, "")

    # Fix both in that file and import it again.
    sheet.cell(by_id[BAD_ID[2]], columns["身份证号"]).value = resident_id(BAD_ID_FIRST17)
    sheet.cell(by_id[NAMELESS[2]], columns["姓名"]).value = FIXED_NAME
    book.save(fixed)
    import_ledger(page, fixed)
    # Clean: the file's own 错误原因 column is known and passed over without a warning.
    expect_summary(page, server, rows=2, created=2, updated=0, unchanged=0, rejected=0, warnings=0)
    expect(page.locator("#rejected")).to_have_count(0)
    expect(page.locator("#warnings")).to_have_count(0)

    # The original again: nothing new, the same two rows rejected.
    import_ledger(page, ledger)
    expect_summary(page, server, rows=5, created=0, updated=0, unchanged=3, rejected=2, warnings=0)
    expect(page.locator("#rejected tbody tr td:nth-child(1)")).to_have_text(["6", "7"])

    # Search the list for an imported person and export what it shows.
    query = GOOD[0][0]
    expected = server.query(SEARCH_BY_TEXT, q=query, community=COMMUNITY)
    assert [p["name"] for p in expected] == [query]
    page.goto("/registry/persons/")
    type_search(page, query)
    expect(page.locator("#person-results a.list-group-item")).to_have_count(len(expected))
    assert result_ids(page) == [p["id"] for p in expected]
    page.locator("details:has(#export-button) > summary").click()
    assert_fits(page)
    with page.expect_download() as download_info:
        page.locator("#export-button").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    exported = tmp_path / "export.xlsx"
    download.save_as(exported)
    check_export(exported, expected, exporter=WORKER)


def check_export(path: Path, expected: list[dict[str, Any]], *, exporter: str) -> None:
    sheet = openpyxl.load_workbook(path, read_only=False).active
    assert isinstance(sheet, Worksheet)
    header, columns = header_row(sheet, "姓名")
    # "导出人：community_worker" (label and value in one cell) above the table.
    above = [
        str(c.value)
        for row in sheet.iter_rows(max_row=header - 1)
        for c in row
        if c.value is not None
    ]
    assert any(re.fullmatch(rf"[^：:]+[：:]\s*{re.escape(exporter)}", v) for v in above), (
        f"the exporter's username is not above the table: {above}"
    )
    id_column = columns["身份证号（脱敏）"]
    rows = [
        (sheet.cell(r, columns["姓名"]).value, sheet.cell(r, id_column).value)
        for r in data_rows(sheet, header)
    ]
    assert rows == [(p["name"], masked(p["id_number"])) for p in expected]
