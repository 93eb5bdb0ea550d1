"""The demo district's push lists, and the benchmark, on a small demo district."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from fangkong.pushlists import demo
from fangkong.pushlists.benchmarks import bench_push_match
from fangkong.pushlists.models import PushList, PushListEntry, TaskEvent, VerificationTask
from fangkong.registry.demo import demo_load
from fangkong.registry.models import Household
from fangkong.screening.models import ScreeningRound

DISTRICT = "410106"


@pytest.fixture
def district(db: Any) -> str:
    demo_load(persons=1500, seed=1, district=DISTRICT)
    return DISTRICT


def test_the_demo_lists_show_every_kind_of_entry_and_task(district: str) -> None:
    said: list[str] = []
    demo.load(district=district, seed=1, say=said.append)
    first = PushList.objects.get(name=demo.FIRST)
    second = PushList.objects.get(name=demo.SECOND)
    entries = PushListEntry.objects.filter(push_list=first)
    methods = set(entries.filter(match_status="matched").values_list("match_method", flat=True))
    assert methods == {"id_number", "phone", "name_address"}
    assert entries.filter(match_status="ambiguous", task__isnull=True).count() >= 1
    assert entries.filter(match_status="unmatched", task__isnull=True).count() == 2
    tasks = VerificationTask.objects.all()
    latest = tasks.filter(origin_import__push_list__in=[first, second])
    assert latest.filter(status="closed", outcome="found_at_home").count() == 4
    assert latest.filter(status="done", outcome="lives_elsewhere").count() == 1
    assert TaskEvent.objects.filter(kind="rerouted").count() == 1
    overdue = latest.filter(status="open", deadline__lt=timezone.now())
    assert overdue.count() >= 1
    assert set(overdue.values_list("deadline", flat=True)) == {first.deadline}
    # The earlier lists of the demo's history: received on their days, most checks done
    # on the days after, a few overdue; every overdue check escalated once.
    earlier = PushList.objects.exclude(pk__in=[first.pk, second.pk])
    assert sorted(p.name for p in earlier) == sorted(name for name, *_ in demo.HISTORY)
    today = timezone.localdate()
    assert sorted((today - timezone.localdate(p.received_at)).days for p in earlier) == [
        5,
        7,
        9,
        12,
    ]
    done = tasks.exclude(origin_import__push_list__in=[first, second]).exclude(verified_at=None)
    assert done.count() >= 1
    assert all(t.created_at < t.verified_at <= timezone.now() for t in done)
    all_overdue = tasks.filter(status="open", deadline__lt=timezone.now())
    assert all_overdue.count() > overdue.count()
    assert TaskEvent.objects.filter(kind="escalated").count() == all_overdue.count()
    joined = PushListEntry.objects.filter(push_list=second, task__origin_import__push_list=first)
    assert joined.count() == 2
    assert len(said) == 1 and said[0].startswith("Push lists: ")
    # A second run changes nothing.
    counts = (PushList.objects.count(), PushListEntry.objects.count(), tasks.count())
    demo.load(district=district, seed=1, say=said.append)
    assert (PushList.objects.count(), PushListEntry.objects.count(), tasks.count()) == counts
    assert said[1] == "Push lists: the demo lists are there already."


def test_the_demo_does_nothing_without_people(tree: Any) -> None:
    said: list[str] = []
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert said == ["Push lists: the district has no people; no demo lists."]
    assert PushList.objects.count() == 0


def test_the_benchmark_imports_matches_and_cleans_up(district: str) -> None:
    result = bench_push_match(300, seed=2)
    assert (result["bench"], result["district"], result["push_entries"]) == (
        "pushlists",
        DISTRICT,
        300,
    )
    assert result["persons"] == 1500
    matched = sum(result["matched"].values())
    assert matched + result["ambiguous"] + result["unmatched"] == 300
    assert result["rejected"] == 0
    assert result["matched"]["id_number"] >= 200
    assert result["matched"]["phone"] >= 1 and result["matched"]["name_address"] >= 1
    assert result["tasks_created"] + result["tasks_joined"] >= result["matched"]["id_number"]
    assert result["push_match_s"] > 0 and result["baseline_join_s"] >= 0
    assert PushList.objects.count() == 0
    assert VerificationTask.objects.count() == PushListEntry.objects.count() == 0
    assert TaskEvent.objects.count() == 0


def test_the_benchmark_command_prints_one_json_line(district: str) -> None:
    out = io.StringIO()
    call_command("bench", "pushlists", "--entries", "40", "--seed", "3", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert (result["bench"], result["push_entries"]) == ("pushlists", 40)
    assert set(result) >= {"push_match_s", "baseline_join_s", "persons", "tasks_created"}


def test_the_screening_benchmark_prints_the_issues_line(district: str) -> None:
    """`fangkong bench screening`: the round, its coverage and a pushed list, one line
    (PostgreSQL only: on SQLite it says so instead of measuring the wrong database)."""
    out = io.StringIO()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="measures PostgreSQL"):
            call_command("bench", "screening", "--persons", "1500", "--entries", "40", stdout=out)
        assert out.getvalue() == ""
        return
    call_command("bench", "screening", "--persons", "1500", "--entries", "40", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    households = Household.objects.filter(jurisdiction_code__startswith=DISTRICT).count()
    assert (result["bench"], result["persons"], result["households"]) == (
        "screening",
        1500,
        households,
    )
    assert result["push_entries"] == 40
    matched = sum(result["push_matched"].values())
    assert matched + result["push_ambiguous"] + result["push_unmatched"] == 40
    for key in ("round_open_s", "coverage_s", "coverage_raw_s", "antijoin_s", "push_match_s"):
        assert isinstance(result[key], float) and result[key] >= 0, key
    assert result["tasks"] == ScreeningRound.objects.get().tasks.count()
    assert 0 < result["screened"] < households  # half of them, recorded untimed
    assert PushList.objects.count() == 0  # the benchmark's list was removed
