"""`fangkong demo`: the demo district, its people and its accounts."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter, defaultdict
from io import StringIO
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, models
from django.test import RequestFactory
from stdnum.cn.ric import calc_check_digit

from fangkong.accounts.models import User
from fangkong.core.audit import verify_chain
from fangkong.core.divisions import district_divisions
from fangkong.core.identifiers import parse_resident_id
from fangkong.core.models import AuditEntry, Jurisdiction
from fangkong.registry import demo, derive
from fangkong.registry.models import Building, Compound, Household, Person, Residence, Unit

PERSONS = 600
EXPECTED_ACCOUNTS = {
    "district_admin": ("district_admin", "410106"),
    "district_viewer": ("district_viewer", "410106"),
    "subdistrict_officer": ("subdistrict_officer", "410106001"),
    "subdistrict_viewer": ("subdistrict_viewer", "410106001"),
    "community_worker": ("community_worker", "410106001001"),
    "community_worker2": ("community_worker", "410106100003"),
    "community_head": ("community_head", "410106001001"),
    "community_viewer": ("community_viewer", "410106001001"),
    "grid_worker": ("grid_worker", "410106001001001"),
    "data_entry": ("data_entry", "410106001001"),
    "care_member": ("care_member", "410106001001"),
}
ALL_MODELS: list[type[models.Model]] = [
    Jurisdiction,
    Compound,
    Building,
    Unit,
    Household,
    Person,
    Residence,
    User,
    AuditEntry,
]


@pytest.fixture
def loaded(db: Any) -> str:
    out = StringIO()
    call_command("demo", persons=PERSONS, seed=1, registry_only=True, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    counts = {m.__name__: m._default_manager.count() for m in ALL_MODELS}
    stamps = {
        m.__name__: m._default_manager.aggregate(t=models.Max("updated_at"))["t"]
        for m in (Jurisdiction, Compound, Household, Person)
    }
    passwords = dict(User.objects.values_list("username", "password"))
    return {"counts": counts, "stamps": stamps, "passwords": passwords}


def test_the_district_tree(loaded: str) -> None:
    levels = Counter(Jurisdiction.objects.values_list("level", flat=True))
    assert levels["district"] == 1
    assert levels["subdistrict"] == 6
    assert levels["community"] == 64
    kinds = Counter(Jurisdiction.objects.filter(level="community").values_list("kind", flat=True))
    assert kinds == {"community": 42, "village": 22}
    names = dict(Jurisdiction.objects.values_list("code", "name"))
    assert names["410106"] == "上街区"
    assert names["410106001"] == "济源路街道"
    assert names["410106100"] == "峡窝镇"
    assert names["410106001001"] == "中安街社区"
    assert names["410106100003"] == "金昌社区"
    assert names["410106100201"] == "北峡窝村"
    assert not [n for n in names.values() if n.endswith(("委员会", "委会"))]
    assert names["410106100400"] == "产业集聚区管理委员会社区"  # its real name
    # 2-4 grids under every community, coded under it and named 第一网格, 第二网格 ...
    grids: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, parent, name in Jurisdiction.objects.filter(level="grid").values_list(
        "code", "parent_id", "name"
    ):
        grids[parent].append((code, name))
    assert len(grids) == 64
    for community, children in grids.items():
        assert 2 <= len(children) <= 4
        ordinals = ["第一网格", "第二网格", "第三网格", "第四网格"]
        assert sorted(children) == [
            (f"{community}{i + 1:03d}", ordinals[i]) for i in range(len(children))
        ]


def test_people_and_places_add_up(loaded: str) -> None:
    assert Person.objects.count() == PERSONS
    assert Residence.objects.count() == PERSONS
    assert f"{PERSONS:,} persons" in loaded
    households = {h.pk: h for h in Household.objects.all()}
    empty = set(households) - set(Person.objects.values_list("household_id", flat=True))
    assert empty, "some households have nobody registered"
    heads = Counter(
        Person.objects.filter(relation_to_head="户主").values_list("household_id", flat=True)
    )
    assert set(heads) == set(households) - empty
    assert set(heads.values()) == {1}
    relations = set(Person.objects.values_list("relation_to_head", flat=True))
    assert {"户主", "配偶", "子女", "父母"} <= relations
    assert relations <= {"户主", "配偶", "子女", "父母", "孙子女"}
    # Places: canonical names, codes inside their community, addresses from derive.
    for household in households.values():
        assert household.jurisdiction_code.startswith(household.community_code)
        compound = household.compound
        if household.building_id is None:
            assert compound.kind == Compound.Kind.VILLAGE_GROUP
            village = Jurisdiction.objects.get(code=household.community_code)
            assert village.kind == "village"
            expected = derive.household_address(
                f"{village.name}{compound.name}", None, None, household.name
            )
        else:
            building, unit = household.building, household.unit
            assert unit is not None and building is not None
            assert unit.building_id == building.pk and building.compound_id == compound.pk
            assert building.name == derive.canonical_building(building.name)
            assert unit.name == derive.canonical_unit(unit.name)
            assert building.jurisdiction_code == household.jurisdiction_code
            expected = derive.household_address(
                compound.name, building.name, unit.name, household.name
            )
        assert household.name == derive.canonical_room(household.name)
        assert household.address == expected
        assert compound.community_code == household.community_code
        assert household.jurisdiction_code.startswith(compound.jurisdiction_code)
    grid_codes = set(Jurisdiction.objects.filter(level="grid").values_list("code", flat=True))
    assert {h.jurisdiction_code for h in households.values()} <= grid_codes


def test_every_person_lives_where_the_household_is(loaded: str) -> None:
    households = {h.pk: h for h in Household.objects.all()}
    residences = {r.person_id: r for r in Residence.objects.all()}
    for person in Person.objects.all():
        assert person.household_id is not None and person.birth_date is not None
        household = households[person.household_id]
        assert len(person.community_code) == 12
        assert person.jurisdiction_code.startswith(person.community_code)
        assert person.jurisdiction_code == household.jurisdiction_code
        assert person.community_code == household.community_code
        assert person.address == household.address
        residence = residences[person.pk]
        assert (residence.household_id, residence.jurisdiction_code, residence.address) == (
            household.pk,
            household.jurisdiction_code,
            household.address,
        )
        assert residence.ended_at is None
        assert residence.started_at.date() >= person.birth_date - dt.timedelta(days=1)


def test_identity_numbers_are_valid_and_match(loaded: str) -> None:
    numbers = []
    for person in Person.objects.all():
        search = derive.person_search_fields(person.name, person.id_number)
        assert (person.name_pinyin, person.name_initials, person.id_last4) == (
            search["name_pinyin"],
            search["name_initials"],
            search["id_last4"],
        )
        assert 2 <= len(person.name) <= 4
        if person.id_number is None:
            assert person.needs_verification
            assert (person.id_type, person.id_last4) == ("", "")
            continue
        number = person.id_number
        assert not person.needs_verification
        assert person.id_type == Person.IdType.RESIDENT_ID
        assert len(number) == 18 and number[:17].isdigit()
        # stdnum wants the whole number and ignores its last character.
        assert calc_check_digit(number) == number[17], number
        assert dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) == (
            person.birth_date
        )
        assert person.sex == ("M" if int(number[16]) % 2 else "F")
        numbers.append(number)
    assert len(numbers) == len(set(numbers))
    assert 0.95 * PERSONS <= len(numbers) < PERSONS  # about 1 % have none
    regions = Counter(n[:6] for n in numbers)
    assert regions["410106"] / len(numbers) > 0.5
    assert sum(v for k, v in regions.items() if k.startswith("41")) / len(numbers) > 0.9


def test_identity_numbers_pass_the_registry_parser(loaded: str) -> None:
    for person in Person.objects.exclude(id_number=None):
        parsed = parse_resident_id(person.id_number)
        assert parsed.number == person.id_number
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)


def test_flags_follow_ages_and_sane_proportions(loaded: str) -> None:
    today = dt.date.today()
    people = list(Person.objects.all())
    for person in people:
        assert person.household_id is not None
        flags = derive.age_flags(person.birth_date, today)
        assert (person.is_elderly, person.is_infant) == (flags["is_elderly"], flags["is_infant"])
        age = derive.age_on(person.birth_date, today)
        assert age is not None and 0 <= age <= 100
        if person.is_pregnant:
            assert person.sex == "F" and 20 <= age <= 41
        if person.is_frail:
            assert age >= 75
        if person.lives_alone:
            assert person.is_elderly
            assert Person.objects.filter(household_id=person.household_id).count() == 1
        if person.phone:
            assert re.fullmatch(r"1[3-9]\d{9}", person.phone)
    n = len(people)
    elderly = sum(p.is_elderly for p in people) / n
    infants = sum(p.is_infant for p in people) / n
    assert 0.12 <= elderly <= 0.28
    assert 0.02 <= infants <= 0.10
    assert Counter(p.sex for p in people).keys() == {"M", "F"}
    assert Counter(p.ethnicity for p in people).most_common(1)[0][0] == "汉族"
    assert Counter(p.category for p in people).most_common(1)[0][0] == "registered"


def test_proportions_at_scale() -> None:
    """The generator alone, big enough for the shares to settle."""
    communities = [
        demo.CommunityInfo(d.code, d.name, d.kind, (f"{d.code}001", f"{d.code}002"))
        for d in district_divisions("410106")
        if d.level == "community"
    ]
    rows: dict[type[models.Model], list[tuple[Any, ...]]] = defaultdict(list)
    generator = demo.DemoGenerator(
        persons=20_000,
        seed=3,
        today=dt.date(2025, 6, 30),
        communities=communities,
        first_ids=dict.fromkeys(demo.COLUMNS, 1),
        existing_id_numbers=set(),
        now_text="2025-06-30 00:00:00",
        sink=lambda model, row: rows[model].append(row),
    )
    counts = generator.run()
    column = {name: i for i, name in enumerate(demo.COLUMNS[Person])}
    people = rows[Person]
    assert len(people) == counts["persons"] == 20_000

    def share(flag: str, among: list[tuple[Any, ...]] = people) -> float:
        return sum(1 for p in among if p[column[flag]]) / len(among)

    elderly = [p for p in people if p[column["is_elderly"]]]
    adults = [
        p for p in people if not p[column["is_elderly"]] and p[column["birth_date"]] <= "2007-06-30"
    ]
    over75 = [p for p in people if p[column["birth_date"]] <= "1950-06-30"]
    women_20_40 = [
        p
        for p in people
        if p[column["sex"]] == "F" and "1985-06-30" <= p[column["birth_date"]] <= "2005-06-30"
    ]
    assert 0.18 <= share("is_elderly") <= 0.21
    assert 0.045 <= share("is_infant") <= 0.065
    assert 0.26 <= share("is_chronically_ill", elderly) <= 0.34
    assert 0.035 <= share("is_chronically_ill", adults) <= 0.065
    assert 0.03 <= share("is_disabled") <= 0.05
    assert 0.007 <= share("is_pregnant", women_20_40) <= 0.025
    assert 0.06 <= share("is_frail", over75) <= 0.14
    assert 0.006 <= share("needs_verification") <= 0.014
    assert 0.07 <= counts["empty_households"] / counts["households"] <= 0.11
    single_elderly = Counter(p[column["household"]] for p in people)
    alone_candidates = [p for p in elderly if single_elderly[p[column["household"]]] == 1]
    assert 0.25 <= share("lives_alone", alone_candidates) <= 0.42
    sizes = Counter(single_elderly.values())
    assert set(sizes) <= {1, 2, 3, 4, 5, 6}
    assert 2.3 <= len(people) / len(single_elderly) <= 2.8
    phones = [p[column["phone"]] for p in people if p[column["phone"]]]
    assert len(set(phones)) / len(phones) > 0.999


def test_same_seed_same_rows() -> None:
    communities = [
        demo.CommunityInfo(d.code, d.name, d.kind, (f"{d.code}001",))
        for d in district_divisions("410106")
        if d.level == "community"
    ]

    def rows(seed: int) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        demo.DemoGenerator(
            persons=500,
            seed=seed,
            today=dt.date(2025, 6, 30),
            communities=communities,
            first_ids=dict.fromkeys(demo.COLUMNS, 1),
            existing_id_numbers=set(),
            now_text="2025-06-30 00:00:00",
            sink=lambda model, row: out.append(row),
        ).run()
        return out

    assert rows(7) == rows(7)
    assert rows(7) != rows(8)


def test_check_digits_agree_with_stdnum() -> None:
    # The examples of GB 11643 and of DESIGN.md.
    assert demo.resident_id_check_digit("11010519491231002") == "X"
    assert demo.resident_id_check_digit("41010219600101001") == "9"
    for first17 in ("41010619891018331", "41272119600101001", "41010619900101123"):
        assert demo.resident_id_check_digit(first17) == calc_check_digit(first17 + "?")
    assert [demo.chinese_number(n) for n in (1, 4, 10, 12, 20, 23)] == [
        "一",
        "四",
        "十",
        "十二",
        "二十",
        "二十三",
    ]


def test_a_second_run_changes_nothing(loaded: str) -> None:
    call_command("demo", persons=PERSONS, stdout=StringIO())  # the modules' parts, once
    before = _snapshot()
    out = StringIO()
    call_command("demo", persons=5000, seed=2, stdout=out)
    assert "already has people." in out.getvalue()
    assert _snapshot() == before


def test_one_audit_entry_for_the_load(loaded: str) -> None:
    # The registry's part is one entry; other modules' parts of the demo have their own.
    entries = [e for e in AuditEntry.objects.all() if e.action.startswith("registry.")]
    assert [e.action for e in entries] == ["registry.demo.loaded"]
    entry = entries[0]
    assert (entry.actor_id, entry.reason, entry.jurisdiction_code) == (None, "demo data", "410106")
    assert entry.data["counts"]["persons"] == PERSONS
    assert verify_chain().ok


def test_new_rows_get_fresh_ids_after_the_load(loaded: str) -> None:
    """The demo writes its own ids; the sequences must continue after them."""
    household = Household.objects.order_by("id").last()
    assert household is not None
    room = Household.objects.create(
        jurisdiction_code=household.jurisdiction_code,
        community_code=household.community_code,
        compound=household.compound,
        name="9999",
        address="x",
    )
    assert room.pk > household.pk
    person = Person.objects.create(
        jurisdiction_code=household.jurisdiction_code,
        community_code=household.community_code,
        name="新人",
    )
    assert person.pk > PERSONS


def test_demo_accounts(loaded: str) -> None:
    password = settings.FANGKONG_DEMO_PASSWORD
    request = RequestFactory().post("/accounts/login/")
    users = {u.username: u for u in User.objects.select_related("role", "jurisdiction")}
    assert set(users) == set(EXPECTED_ACCOUNTS)
    for username, (role, code) in EXPECTED_ACCOUNTS.items():
        user = users[username]
        assert (user.role_id, user.jurisdiction_code, user.jurisdiction_id) == (role, code, code)
        assert user.full_name and all("\u4e00" <= ch <= "\u9fff" for ch in user.full_name)
        assert authenticate(request, username=username, password=password) == user
        if len(code) == 6:
            assert user.totp_confirmed and len(user.totp_secret) == 32
            out = StringIO()
            call_command("totp_code", username, stdout=out)
            code_now = out.getvalue().strip()
            assert len(code_now) == 6 and code_now.isdigit()
            assert pyotp.TOTP(user.totp_secret).verify(code_now, valid_window=1)
        else:
            assert (user.totp_secret, user.totp_confirmed) == ("", False)
    assert users["district_admin"].totp_secret != users["district_viewer"].totp_secret
    with pytest.raises(CommandError, match="no two-factor secret"):
        call_command("totp_code", "grid_worker", stdout=StringIO())
    with pytest.raises(CommandError, match="No account"):
        call_command("totp_code", "nobody", stdout=StringIO())


def test_demo_accounts_listing(db: Any) -> None:
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert out.getvalue().strip() == "No demo accounts yet: run `.venv/bin/fangkong demo` first."
    call_command("demo", persons=60, stdout=StringIO())
    user = User.objects.get(username="community_viewer")
    user.set_password("another-password-42")
    user.save()
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["username", "role", "jurisdiction", "password", "two-factor"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == set(EXPECTED_ACCOUNTS)
    password = settings.FANGKONG_DEMO_PASSWORD
    assert "中安街社区 (410106001001)" in rows["community_worker"]
    assert "金昌社区 (410106100003)" in rows["community_worker2"]
    assert "(changed)" in rows["community_viewer"] and password not in rows["community_viewer"]
    assert "TOTP: run `.venv/bin/fangkong totp_code district_admin`" in rows["district_admin"]
    assert "TOTP" not in rows["community_worker"] and password in rows["community_worker"]


def test_a_failed_load_leaves_nothing(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half a district is worse than none: the load is one transaction."""
    real_people = demo.DemoGenerator._people
    calls = {"n": 0}

    def failing(self: demo.DemoGenerator, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] > 150:
            raise RuntimeError("disk full")
        real_people(self, *args, **kwargs)

    monkeypatch.setattr(demo, "CHUNK_ROWS", 50)  # several chunks are written before the error
    monkeypatch.setattr(demo.DemoGenerator, "_people", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("demo", persons=1000, registry_only=True, stdout=StringIO())
    assert {m.__name__: m._default_manager.count() for m in ALL_MODELS} == dict.fromkeys(
        (m.__name__ for m in ALL_MODELS), 0
    )
    assert not [t for t in threading.enumerate() if t.name == "demo-copy"]
    monkeypatch.setattr(demo.DemoGenerator, "_people", real_people)
    call_command("demo", persons=200, registry_only=True, stdout=StringIO())
    assert Person.objects.count() == 200


def test_a_failed_write_leaves_nothing(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = demo._Writer._write
    calls = {"n": 0}

    def failing(self: Any, model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise DatabaseError("the server went away")
        real_write(self, model, rows)

    monkeypatch.setattr(demo, "CHUNK_ROWS", 50)
    monkeypatch.setattr(demo._Writer, "_write", failing)
    with pytest.raises(DatabaseError, match="went away"):
        call_command("demo", persons=1000, registry_only=True, stdout=StringIO())
    assert Person.objects.count() == Household.objects.count() == Jurisdiction.objects.count() == 0
    assert not [t for t in threading.enumerate() if t.name == "demo-copy"]
