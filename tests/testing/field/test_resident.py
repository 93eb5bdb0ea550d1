"""The resident's status page: their own testing code (issued once, on first view) and
the latest result of each round for themselves and their household, never another
household's; a member of an alarming pool reads "wait for the retest notice"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from fangkong.testing.field.resident import section_context
from fangkong.testing.models import Card, Sample

from .conftest import FWorld, result, sample

pytestmark = pytest.mark.django_db


def _rows(context: dict[str, Any]) -> list[list[tuple[str, bool, str]]]:
    return [[(m.name, m.is_self, m.code) for m in r.members] for r in context["rounds"]]


def _code_of_housemate(fw: FWorld) -> str:
    from fangkong.testing.field import services

    return services.card_issue(scope=fw.worker_scope, person=fw.tw.mine.housemate).token


def test_own_and_household_results_only(fw: FWorld) -> None:
    tw = fw.tw
    assert sample(tw, "RP0001", [tw.mine.person.id_number, _code_of_housemate(fw)])[1].code == ""
    sample(tw, "RP0002", [tw.other.person.id_number])
    result(fw, "RP0001", "negative")
    with translation.override("en"):
        mine = section_context(tw.mine.person)
    assert mine is not None
    assert _rows(mine) == [[("张*", True, "negative"), ("李*", False, "negative")]]
    assert mine["rounds"][0].name == tw.campaign.name
    assert [m.label for m in mine["rounds"][0].members] == ["Negative", "Negative"]
    scanned = list(
        Sample.objects.filter(person_id=tw.mine.person.pk).values_list("scanned_at", flat=True)
    )
    assert mine["rounds"][0].members[0].sampled_at == scanned[0]
    # The other household: its own rows only, a pending result, one not sampled.
    with translation.override("en"):
        theirs = section_context(tw.other.person)
    assert theirs is not None
    assert _rows(theirs) == [[("隔**五", True, "pending"), ("隔**六", False, "unsampled")]]
    assert [m.label for m in theirs["rounds"][0].members] == ["Result pending", "Not sampled yet"]


def test_an_alarming_pool_reads_wait_for_the_retest_notice(fw: FWorld) -> None:
    tw = fw.tw
    sample(tw, "RP0003", [tw.other.person.id_number])
    result(fw, "RP0003", "positive")
    with translation.override("en"):
        context = section_context(tw.other.person)
        html_member = context["rounds"][0].members[0] if context else None
    assert html_member is not None
    assert (html_member.code, html_member.label) == ("wait", "Please wait for the retest notice")
    assert "ositive" not in json.dumps([m.label for m in context["rounds"][0].members])


def test_the_residents_own_code_is_issued_once_and_scans(fw: FWorld) -> None:
    person = fw.tw.mine.person
    first = section_context(person)
    second = section_context(person)
    assert first is not None and second is not None
    cards = Card.objects.filter(person_id=person.pk, kind=Card.Kind.RESIDENT)
    assert cards.count() == 1
    token = cards.get().token
    assert first["token"] == second["token"] == token
    assert "<svg" in first["qr_svg"] and token not in first["qr_svg"]
    answers = sample(fw.tw, "RP0004", [token])
    assert (answers[1].status, answers[1].code) == ("stored", "")
    assert Sample.objects.get().person_id == person.pk


def _sign_in(client: Client, phone: str, var_dir: Path, person_pk: int) -> None:
    assert client.post("/me/sign-in/", {"phone": phone}).status_code == 303
    path = var_dir / "sms" / "outbox.jsonl"
    sent = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    code = re.findall(r"\d{6}", [m for m in sent if m["phone"] == phone][-1]["text"])[0]
    response = client.post("/me/sign-in/code/", {"code": code})
    assert response.status_code == 303
    if response["Location"] == "/me/choose/":
        assert client.post("/me/choose/", {"person": person_pk}).status_code == 303


def test_the_status_page_shows_the_section(fw: FWorld, settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_SMS_BACKEND = "console"
    settings.FANGKONG_TRUSTED_PROXIES = 0
    tw = fw.tw
    sample(tw, "RP0005", [tw.mine.person.id_number])
    sample(tw, "RP0006", [tw.other.person.id_number])
    result(fw, "RP0006", "negative")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    _sign_in(client, "13812345678", tmp_path, tw.mine.person.pk)
    html = client.get("/me/").content.decode()
    assert 'data-section="testing_field"' in html
    assert html.count("data-member ") == 2
    assert 'data-result="pending"' in html and 'data-result="unsampled"' in html
    assert 'data-result="negative"' not in html  # the other household's result
    assert "隔" not in html
    token = Card.objects.get(person_id=tw.mine.person.pk, kind=Card.Kind.RESIDENT).token
    assert token not in html  # the QR only, not the code as text


def test_no_section_without_a_campaign(fw: FWorld) -> None:
    from fangkong.testing.campaigns import services as campaigns
    from fangkong.testing.models import Target

    campaigns.campaign_close(scope=fw.tw.officer_scope, campaign=fw.tw.campaign)
    # Closed, but the household was in it: the results still show.
    context = section_context(fw.tw.mine.person)
    assert context is not None and len(context["rounds"]) == 1
    Target.objects.all().delete()  # as if the household had never been in a round
    assert section_context(fw.tw.mine.person) is None
    assert Card.objects.filter(kind=Card.Kind.RESIDENT).count() == 1  # the first view's
    assert section_context(fw.tw.other.person) is None
    assert Card.objects.filter(kind=Card.Kind.RESIDENT).count() == 1
