"""The plug point of the daily report: each module registers its section and figures.

A module adds a `report.py` to its package (found by the reports app at start-up):

    from fangkong.reports.sections import Figure, Section, register

    def compute(scope: Scope, code: str, day: date) -> dict[str, dict[str, int]]:
        # one grouped query per family of figures, through the module's selectors
        return {"410106001001": {"control.central": 12, ...}, ...}

    register(Section(
        key="control",
        title=_("Control"),
        order=30,
        figures=(
            Figure("control.central", _("Under centralised quarantine"),
                   _("People with an approved order whose phase covering the day is …"),
                   list_url=lambda code, day: reverse(...) + f"?under={code}&day={day}"),
            ...
        ),
        compute=compute,
    ))

`compute(scope, code, day)` returns the section's counts for every community under
`code` at once, keyed by the jurisdiction code cut to a community's 12 digits (a row
attached above the community level keeps its shorter code: it is counted in its
subdistrict or district, in no community). The reports app adds them up the tree, so
one call gives the district, its subdistricts and its communities. Every counted figure
is additive (it adds up); a figure with `derive` is not counted but computed from the
node's other figures after adding up (a rate, a percentage): `additive` is False for it.

A figure's key is stable (reports store it), its label is short Chinese for a column
head, its definition says exactly what is counted (listed in docs/user-guide/reports.md),
and `list_url(code, day)` names the page that lists what it counts, so that a number and
its list never disagree (the tests check each figure against its list).

A section may also report figures whose keys it only knows at run time (arrivals by
origin province: "arrivals.origin.42"): they start with `dynamic_prefix` and take their
label from `dynamic_label(key)`; they are additive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.functional import Promise

from fangkong.core.permissions import Perm

if TYPE_CHECKING:
    from fangkong.core.scope import Scope

Counts = Mapping[str, Mapping[str, int]]
Compute = Callable[["Scope", str, dt.date], Counts]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    definition: str | Promise
    # (jurisdiction code, day) -> the URL of the list this figure counts, or "".
    list_url: Callable[[str, dt.date], str] | None = None
    # For a figure computed from the node's others (a rate): (figures) -> value.
    derive: Callable[[Mapping[str, float]], float | None] | None = None
    # Shown among the dashboard's key figures and trends.
    key_figure: bool = False
    # A stock ("people under quarantine now") or a flow ("new today"): a flow is summed
    # over a week in the trends, a stock is not.
    flow: bool = False
    # Higher is worse (overdue work, open alerts): the dashboard ranks by these.
    overdue: bool = False

    @property
    def additive(self) -> bool:
        return self.derive is None

    def url(self, code: str, day: dt.date) -> str:
        return self.list_url(code, day) if self.list_url is not None else ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    figures: tuple[Figure, ...]
    compute: Compute
    order: int = 50
    # Who may follow the figures' links (the numbers themselves are for every reader).
    perm: Perm | None = None
    dynamic_prefix: str = ""
    dynamic_label: Callable[[str], str] | None = None
    figure_keys: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        for figure in self.figures:
            if not figure.key.startswith(f"{self.key}."):
                raise ValueError(f"figure {figure.key!r} must start with {self.key!r}.")
        object.__setattr__(self, "figure_keys", frozenset(f.key for f in self.figures))


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add (or replace, by key) a section of the daily report."""
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def figures() -> list[Figure]:
    """Every registered figure, in report order."""
    return [f for s in sections() for f in s.figures]


def figure(key: str) -> Figure | None:
    for section in _SECTIONS.values():
        for f in section.figures:
            if f.key == key:
                return f
    return None


def section_of(key: str) -> Section | None:
    return _SECTIONS.get(key.split(".", 1)[0])


def label(key: str) -> str:
    """The label of a figure, a dynamic one included; the key when it is unknown."""
    f = figure(key)
    if f is not None:
        return str(f.label)
    section = section_of(key)
    if section is not None and section.dynamic_label and key.startswith(section.dynamic_prefix):
        return section.dynamic_label(key)
    return key


def is_additive(key: str) -> bool:
    f = figure(key)
    return f.additive if f is not None else True
