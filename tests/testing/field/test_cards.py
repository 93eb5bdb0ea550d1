"""QR cards: opaque tokens that never carry the identity number, one valid card per
person (a new one voids the old, and the old one no longer scans), an A4 sheet per
compound with masked names, audited, and scoped."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from fangkong.core.errors import NotFound
from fangkong.core.models import AuditEntry
from fangkong.registry.models import Person
from fangkong.testing.field import selectors, services
from fangkong.testing.models import Card, Sample
from tests.world import ID_ZHANG

from .conftest import FWorld, sample

pytestmark = pytest.mark.django_db


def _elderly(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(birth_date=dt.date(1950, 3, 1))


def test_a_card_token_is_opaque_and_never_the_identity_number(fw: FWorld) -> None:
    person = fw.tw.mine.person
    tokens = {services.card_issue(scope=fw.worker_scope, person=person).token for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert re.fullmatch(r"FKC[A-Z2-7]{20}", token), token
        assert ID_ZHANG not in token
        # Not even the birth date or the last four of the number.
        assert "19900101" not in token and "123X" not in token
    # Five issues, one valid card: each new one voided the one before.
    assert Card.objects.filter(person_id=person.pk, voided_at__isnull=True).count() == 1
    assert Card.objects.filter(person_id=person.pk, voided_at__isnull=False).count() == 4
    # The token is not in the audit log.
    for entry in AuditEntry.objects.filter(action="testing.card.issued"):
        assert not any(t in str(entry.data) for t in tokens)


def test_reissue_voids_the_old_card_which_no_longer_scans(fw: FWorld) -> None:
    person = fw.tw.mine.housemate  # no identity number: the card is their code
    old = services.card_issue(scope=fw.worker_scope, person=person)
    new = services.card_issue(scope=fw.worker_scope, person=person)
    old.refresh_from_db()
    assert old.voided_at is not None and new.voided_at is None
    assert selectors.card_for_token(old.token) is None
    assert selectors.card_for_token(new.token.lower()) == new
    answers = sample(fw.tw, "FC0001", [old.token, new.token])
    assert [(a.status, a.code) for a in answers] == [
        ("stored", ""),
        ("rejected", "unknown_card"),
        ("stored", ""),
        ("stored", ""),
    ]
    assert list(Sample.objects.values_list("person_id", "code_kind")) == [(person.pk, "card")]
    entry = AuditEntry.objects.filter(action="testing.card.issued").order_by("-id").first()
    assert entry is not None and entry.data["voided"] == [old.pk]


def test_void_a_card_with_a_reason(fw: FWorld) -> None:
    card = services.card_issue(scope=fw.worker_scope, person=fw.tw.mine.housemate)
    client = fw.client(fw.worker)
    url = reverse("testing:field_card_void", args=[card.pk])
    assert client.post(url, {"reason": ""}).status_code == 302
    card.refresh_from_db()
    assert card.voided_at is None  # a reason is required
    assert client.post(url, {"reason": "卡片遗失"}).status_code == 302
    card.refresh_from_db()
    assert card.voided_at is not None
    assert (
        AuditEntry.objects.filter(action="testing.card.voided")
        .values_list("reason", flat=True)
        .get()
        == "卡片遗失"
    )
    answers = sample(fw.tw, "FC0002", [card.token])
    assert answers[1].code == "unknown_card"


def test_compound_cards_for_the_elderly_then_only_the_new_then_reissued(fw: FWorld) -> None:
    _elderly(fw.tw.mine.person)
    compound = fw.tw.mine.compound
    made = services.cards_issue(scope=fw.worker_scope, compound=compound, who="elderly")
    assert [c.person_id for c in made] == [fw.tw.mine.person.pk]
    assert services.cards_issue(scope=fw.worker_scope, compound=compound, who="elderly") == []
    # 李梅 has a phone and no birth date: not among the vulnerable; everybody: only she is new.
    again = services.cards_issue(scope=fw.worker_scope, compound=compound, who="all")
    assert [c.person_id for c in again] == [fw.tw.mine.housemate.pk]
    replaced = services.cards_issue(
        scope=fw.worker_scope, compound=compound, who="all", reissue=True
    )
    assert sorted(c.person_id for c in replaced) == sorted(
        [fw.tw.mine.person.pk, fw.tw.mine.housemate.pk]
    )
    valid = Card.objects.filter(voided_at__isnull=True).order_by("person_id")
    assert list(valid.values_list("pk", flat=True)) == sorted(c.pk for c in replaced)
    assert Card.objects.filter(voided_at__isnull=False).count() == 2
    entry = AuditEntry.objects.filter(action="testing.cards.issued").order_by("-id").first()
    assert entry is not None and sorted(entry.data["voided"]) == sorted(c.pk for c in made + again)


def test_the_printed_sheet_masks_names_and_never_shows_the_identity_number(
    fw: FWorld,
) -> None:
    _elderly(fw.tw.mine.person)
    Person.objects.filter(pk=fw.tw.mine.housemate.pk).update(name="李小梅")
    client = fw.client(fw.worker)
    response = client.post(
        reverse("testing:field_cards_issue"),
        {"compound": fw.tw.mine.compound.pk, "who": "all"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("testing:field_cards_print"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    tokens = list(Card.objects.values_list("token", flat=True))
    assert len(tokens) == 2
    assert html.count("data-card>") == 2
    assert "张*" in html and "李*梅" in html
    assert "张三" not in html and "李小梅" not in html
    assert "3号楼2单元501" in html and "金华小区" in html
    assert ID_ZHANG not in html and ID_ZHANG[-4:] not in html
    assert AuditEntry.objects.filter(action="testing.cards.printed").values_list(
        "data", flat=True
    ).get() == {"who": "all", "count": 2}
    eight = client.get(response["Location"] + "&per_page=8")
    assert "per-8" in eight.content.decode()


def test_the_list_of_cards_and_the_scope(fw: FWorld) -> None:
    mine = services.card_issue(scope=fw.worker_scope, person=fw.tw.mine.person)
    theirs = services.card_issue(scope=fw.sibling_scope, person=fw.tw.other.person)
    with pytest.raises(NotFound):
        services.card_issue(scope=fw.worker_scope, person=fw.tw.other.person)
    page = fw.client(fw.worker).get(reverse("testing:field_cards"))
    html = page.content.decode()
    assert f'data-card="{mine.pk}"' in html and f'data-card="{theirs.pk}"' not in html
    assert "隔壁" not in html
    before = Card.objects.filter(voided_at__isnull=True).count()
    for name in ("testing:field_card_void", "testing:field_card_reissue"):
        denied = fw.client(fw.worker).post(reverse(name, args=[theirs.pk]), {"reason": "x"})
        assert denied.status_code == 404
    assert Card.objects.filter(voided_at__isnull=True).count() == before
    # A viewer sees neither the list nor a sheet (TESTING_SAMPLE).
    viewer = fw.client(fw.viewer)
    assert viewer.get(reverse("testing:field_cards")).status_code == 403
    printed = viewer.get(
        reverse("testing:field_cards_print") + f"?compound={fw.tw.mine.compound.pk}"
    )
    assert printed.status_code == 403
