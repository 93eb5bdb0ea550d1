"""The figures of the daily report: computed per community by each module's section,
added up the tree (every additive figure of a node is the sum of its children's), the
rates derived after adding up, and each figure equal to what its module counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.control.orders import services as orders
from fangkong.reports import sections
from fangkong.reports.figures import Node, add_up, compute_tree, skeleton, static_keys
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

from .conftest import RWorld, manual

pytestmark = pytest.mark.django_db


def assert_adds_up(node: Node) -> int:
    """Every additive figure of every node is the sum of its children's; returns the
    number of (node, figure) pairs checked."""
    checked = 0
    if not node.children:
        return 0
    for key, value in node.figures.items():
        if not sections.is_additive(key):
            continue
        assert value == sum(c.figures.get(key) or 0 for c in node.children), (node.code, key)
        checked += 1
    return checked + sum(assert_adds_up(c) for c in node.children)


def test_the_registered_sections_and_their_keys() -> None:
    assert [s.key for s in sections.sections()] == [
        "population",
        "screening",
        "arrivals",
        "pushlists",
        "control",
        "testing",
        "support",
    ]
    keys = [f.key for f in sections.figures()]
    assert len(keys) == len(set(keys))
    assert "testing.rate" in keys and not sections.is_additive("testing.rate")
    assert sections.is_additive("control.central")
    # Every figure names what it counts, and a counted figure links to its list.
    for f in sections.figures():
        assert str(f.definition) and str(f.label), f.key
        if f.additive:
            assert f.url(COMMUNITY, dt.date(2026, 12, 1)).startswith("/"), f.key


def test_population_per_community_and_up_the_tree(rw: RWorld) -> None:
    root = compute_tree(code=DISTRICT, day=timezone.localdate())
    assert [c.code for c in root.children] == [SUBDISTRICT, TOWN]
    sub = root.find(SUBDISTRICT)
    assert sub is not None
    assert [c.code for c in sub.children] == [COMMUNITY, SIBLING]
    assert root.find(COMMUNITY).figures["population.persons"] == 2  # type: ignore[union-attr]
    assert root.find(SIBLING).figures["population.households"] == 1  # type: ignore[union-attr]
    assert root.find(TOWN_COMMUNITY).figures["population.persons"] == 0  # type: ignore[union-attr]
    assert root.figures["population.persons"] == 4
    assert root.figures["population.households"] == 2
    assert assert_adds_up(root) > 50


def test_rows_attached_above_the_communities_go_to_a_direct_child(db: Any, tree: Any) -> None:
    root = skeleton(code=DISTRICT)
    raw = {
        COMMUNITY: {"population.persons": 2},
        SIBLING: {"population.persons": 3},
        SUBDISTRICT: {"population.persons": 1},  # a person registered at the subdistrict
    }
    add_up(root, raw, static_keys())
    sub = root.find(SUBDISTRICT)
    assert sub is not None
    assert sub.figures["population.persons"] == 6
    direct = [c for c in sub.children if c.direct]
    assert len(direct) == 1 and direct[0].figures["population.persons"] == 1
    assert root.figures["population.persons"] == 6
    assert assert_adds_up(root) > 0


def test_a_rate_is_derived_after_adding_up_not_summed(db: Any, tree: Any) -> None:
    root = skeleton(code=SUBDISTRICT)
    raw = {
        COMMUNITY: {"testing.target": 10, "testing.sampled": 10},
        SIBLING: {"testing.target": 30, "testing.sampled": 0},
    }
    add_up(root, raw, static_keys())
    assert root.find(COMMUNITY).figures["testing.rate"] == 100.0  # type: ignore[union-attr]
    assert root.find(SIBLING).figures["testing.rate"] == 0.0  # type: ignore[union-attr]
    assert root.figures["testing.rate"] == 25.0  # 10 of 40, not 100 + 0
    assert root.find(TOWN_COMMUNITY) is None  # the tree is the subdistrict's


def test_control_figures_follow_the_orders(control: Any) -> None:
    order = manual(control)
    today = timezone.localdate()
    before = compute_tree(code=SUBDISTRICT, day=today)
    assert before.figures["control.new"] == 0  # proposed is not in force
    orders.order_approve(scope=control.officer_scope, order=order)
    root = compute_tree(code=DISTRICT, day=today)
    community = root.find(COMMUNITY)
    assert community is not None
    assert community.figures["control.home_monitoring"] == 1
    assert community.figures["control.new"] == 1
    assert root.find(SIBLING).figures["control.home_monitoring"] == 0  # type: ignore[union-attr]
    assert root.figures["control.home_monitoring"] == 1
    # The same number as the control module's own counts for the day.
    from fangkong.control.orders import selectors as order_selectors

    counted = order_selectors.counts(scope=control.officer_scope, code=SUBDISTRICT, day=today)
    by_code = {c.code: n for c, n in counted.children}
    assert by_code[COMMUNITY].home_monitoring == community.figures["control.home_monitoring"]
    assert by_code[COMMUNITY].new == community.figures["control.new"]
    assert assert_adds_up(root) > 0
    # Yesterday, nothing was in force yet.
    yesterday = compute_tree(code=DISTRICT, day=today - dt.timedelta(days=1))
    assert yesterday.figures["control.home_monitoring"] == 0
