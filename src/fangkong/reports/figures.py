"""The figures of a jurisdiction and of everything under it, from the sections.

    tree = compute_tree(code="410106", day=date(2026, 12, 5))
    tree.figures["control.central"]          # the district
    [c.figures for c in tree.children]      # its subdistricts, each with its communities

Each registered section is called once for the whole jurisdiction (its counts come back
per community); the counts are added up the tree here, and the derived figures (rates)
are computed per node after adding up, so that every additive figure of a node is the
sum of its children's. Counts of rows attached above the community level (a person
registered at a subdistrict) go to a child marked `direct` ("直属"), so that the sum
still holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.db.models.functions import Length
from django.utils.translation import gettext as _

from fangkong.core.codes import LEVEL_LENGTHS, Level
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

from .sections import Section, is_additive, sections

REPORT_DEPTH = LEVEL_LENGTHS[Level.COMMUNITY]  # communities are the report's lowest level


@dataclass
class Node:
    code: str
    name: str
    level: str
    figures: dict[str, float] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    direct: bool = False  # the rows attached to the parent itself, not to a child

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, code: str) -> Node | None:
        for node in self.walk():
            if node.code == code and not node.direct:
                return node
        return None


def static_keys(chosen: list[Section] | None = None) -> list[str]:
    return [f.key for s in (chosen or sections()) for f in s.figures]


def raw_counts(
    *, code: str, day: dt.date, chosen: list[Section] | None = None
) -> dict[str, dict[str, int]]:
    """Every section's counts under `code` for `day`, keyed by community (or shorter)."""
    scope = Scope.system(reason="daily report", code=code)
    merged: dict[str, dict[str, int]] = {}
    for section in chosen or sections():
        for key_code, counts in section.compute(scope, code, day).items():
            cut = key_code[:REPORT_DEPTH]
            if not cut.startswith(code):
                continue
            row = merged.setdefault(cut, {})
            for key, n in counts.items():
                if n:
                    row[key] = row.get(key, 0) + n
    return merged


def skeleton(*, code: str) -> Node:
    """The jurisdiction and its active descendants down to the communities."""
    rows = list(
        Jurisdiction.objects.within_code(code)
        .filter(is_active=True)
        .annotate(code_length=Length("code"))
        .filter(code_length__lte=REPORT_DEPTH)
        .order_by("code")
        .values_list("code", "name", "level", "parent_id")
    )
    nodes: dict[str, Node] = {}
    root: Node | None = None
    for node_code, name, level, parent_id in rows:
        node = Node(code=node_code, name=name, level=level)
        nodes[node_code] = node
        if node_code == code:
            root = node
        elif parent_id in nodes:
            nodes[parent_id].children.append(node)
    if root is None:
        raise Jurisdiction.DoesNotExist(code)
    return root


def _place(root: Node, key_code: str) -> Node:
    """The deepest node of the tree whose code starts `key_code`."""
    node = root
    while True:
        for child in node.children:
            if not child.direct and key_code.startswith(child.code):
                node = child
                break
        else:
            return node


def add_up(root: Node, raw: Mapping[str, Mapping[str, int]], keys: list[str]) -> None:
    """Fill every node's figures from the per-community counts: leaves take theirs,
    a parent the sum of its children (and of a "direct" child for its own rows)."""
    own: dict[str, dict[str, float]] = {}
    for key_code, counts in raw.items():
        node = _place(root, key_code)
        row = own.setdefault(node.code, {})
        for key, n in counts.items():
            row[key] = row.get(key, 0) + n

    def fill(node: Node) -> None:
        for child in node.children:
            fill(child)
        direct = own.get(node.code, {})
        if node.children and any(direct.values()):
            node.children.append(
                Node(
                    code=node.code,
                    name=_("Directly under %(name)s") % {"name": node.name},
                    level=node.level,
                    figures=dict(direct),
                    direct=True,
                )
            )
        totals: dict[str, float] = dict.fromkeys(keys, 0)
        if node.children:
            for child in node.children:
                for key, value in child.figures.items():
                    if value is not None and is_additive(key):
                        totals[key] = totals.get(key, 0) + value
        else:
            for key, value in direct.items():
                totals[key] = totals.get(key, 0) + value
        node.figures = totals
        derive(node.figures)

    fill(root)


def derive(figures: dict[str, float]) -> None:
    """Compute the derived figures (rates) of one node from its additive ones."""
    for section in sections():
        for f in section.figures:
            if f.derive is not None:
                value = f.derive(figures)
                figures[f.key] = round(value, 1) if value is not None else None  # type: ignore[assignment]


def compute_tree(*, code: str, day: dt.date) -> Node:
    """The report's figures for `code` and everything under it down to communities."""
    root = skeleton(code=code)
    add_up(root, raw_counts(code=code, day=day), static_keys())
    return root
