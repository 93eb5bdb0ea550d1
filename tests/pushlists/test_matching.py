"""The matching rules and scores (matching.py, docs/adr/0012-push-list-matching.md),
without a database."""

from __future__ import annotations

import pytest

from fangkong.pushlists.matching import (
    Candidate,
    Decision,
    address_score,
    by_name_and_address,
    by_phone,
)

NAMES = ("上街区", "济源路街道", "中安街社区")
FLAT = "金华小区3号楼2单元501室"


@pytest.mark.parametrize(
    ("listed", "registered", "score"),
    [
        # One flat, however it is written, with or without the places in front.
        ("金华小区3号楼2单元501室", FLAT, 100),
        ("金华小区3栋2单元501", FLAT, 100),
        ("金华小区3-2-501", FLAT, 100),
        ("河南省郑州市上街区济源路街道中安街社区金华小区3#2-501", FLAT, 100),
        ("金华小区 三号楼二单元501", FLAT, 100),
        # Same building, another flat: the compound, building and unit agree.
        ("金华小区3号楼2单元502室", FLAT, 80),
        # Another unit: compound and building agree.
        ("金华小区3号楼1单元501室", FLAT, 90),
        # The compound alone (or with a building but no flat) says less.
        ("金华小区", FLAT, 80),
        ("金华小区3号楼", FLAT, 80),
        # A compound one character off (金花 for 金华), the flat right: still a match.
        ("金花小区3号楼2单元501室", FLAT, 88),
        # ... the flat wrong too: for a person to decide.
        ("金花小区3号楼2单元502室", FLAT, 68),
        # Half the compound's name: another compound.
        ("金华园3号楼2单元501室", FLAT, 29),
        # Another compound: the flat numbers do not count.
        ("锦绣花园3号楼2单元501室", FLAT, 0),
        ("郑州市金水区花园路88号", FLAT, 27),
        ("", FLAT, 0),
        ("金华小区", "", 0),
    ],
)
def test_address_scores(listed: str, registered: str, score: int) -> None:
    assert address_score(listed, registered, NAMES) == score


def _c(
    pid: int, *, same_name: bool = False, other_id: bool = False, address: str = ""
) -> Candidate:
    return Candidate(pid, f"41010600100{pid}", same_name, other_id, address)


def test_one_holder_of_the_phone_with_the_listed_name() -> None:
    assert by_phone([_c(1, same_name=True)], listed_name="张三") == Decision(
        "matched", 1, "410106001001", "phone", 95
    )


def test_one_holder_of_the_phone_and_no_name_on_the_list() -> None:
    assert by_phone([_c(1)], listed_name="") == Decision("matched", 1, "410106001001", "phone", 90)


def test_one_holder_of_another_name_is_matched_with_less_confidence() -> None:
    assert by_phone([_c(1)], listed_name="张三") == Decision(
        "matched", 1, "410106001001", "phone", 70, note="name_differs"
    )


def test_a_shared_phone_is_settled_by_the_one_holder_of_the_listed_name() -> None:
    assert by_phone([_c(1), _c(2, same_name=True)], listed_name="李梅") == Decision(
        "matched", 2, "410106001002", "phone", 95
    )


def test_a_shared_phone_without_the_name_is_ambiguous() -> None:
    assert by_phone([_c(1), _c(2)], listed_name="") == Decision(
        "ambiguous",
        method="phone",
        note="shared_phone",
        candidates=[{"person": 1, "confidence": 50}, {"person": 2, "confidence": 50}],
    )


def test_two_holders_of_the_listed_name_are_ambiguous() -> None:
    decision = by_phone([_c(1, same_name=True), _c(2, same_name=True), _c(3)], listed_name="王芳")
    assert decision.status == "ambiguous"
    assert decision.candidates == [{"person": 1, "confidence": 50}, {"person": 2, "confidence": 50}]


def test_a_holder_with_another_identity_number_is_never_matched() -> None:
    assert by_phone([_c(1, same_name=True, other_id=True)], listed_name="张三") == Decision(
        "ambiguous", method="phone", note="other_id", candidates=[{"person": 1, "confidence": 30}]
    )


def test_name_and_address_one_clear_match() -> None:
    candidates = [_c(1, address=FLAT), _c(2, address="金华小区3号楼2单元502室")]
    assert by_name_and_address(candidates, listed_address="金华小区3栋2单元501", names=NAMES) == (
        Decision("matched", 1, "410106001001", "name_address", 100)
    )


def test_name_and_address_too_close_to_call() -> None:
    candidates = [_c(1, address=FLAT), _c(2, address="金华小区3号楼2单元502室")]
    assert by_name_and_address(candidates, listed_address="金华小区", names=NAMES) == Decision(
        "ambiguous",
        method="name_address",
        note="similar_addresses",
        candidates=[{"person": 1, "confidence": 80}, {"person": 2, "confidence": 80}],
    )


def test_name_and_address_below_the_match_score_is_left_to_a_person() -> None:
    decision = by_name_and_address([_c(1, address=FLAT)], listed_address="金花小区3号楼2单元502室")
    assert decision == Decision(
        "ambiguous",
        method="name_address",
        note="similar_addresses",
        candidates=[{"person": 1, "confidence": 68}],
    )


def test_name_and_address_elsewhere_is_unmatched() -> None:
    decision = by_name_and_address([_c(1, address=FLAT)], listed_address="锦绣花园1号楼1单元101")
    assert decision == Decision("unmatched", note="address_differs")


def test_a_name_without_an_address_is_never_matched_automatically() -> None:
    assert by_name_and_address([_c(1, address=FLAT)], listed_address="") == Decision(
        "ambiguous",
        method="name_address",
        note="no_address",
        candidates=[{"person": 1, "confidence": 40}],
    )


def test_a_common_name_without_an_address_stays_unmatched() -> None:
    candidates = [_c(n, address=FLAT) for n in range(1, 7)]
    assert by_name_and_address(candidates, listed_address="") == Decision(
        "unmatched", note="name_too_common"
    )


def test_people_with_another_identity_number_are_not_candidates() -> None:
    assert by_name_and_address([_c(1, other_id=True, address=FLAT)], listed_address=FLAT) == (
        Decision("unmatched", note="no_candidate")
    )
