"""A pool behind a control order: control resolves "testing.tube:<id>" through this
(registered in setup.ready(); control itself never imports testing)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control.orders.sources import SourceFacts, SourceKind

from ..models import ALARMING, Sample, Tube

KIND = "testing.tube"


def tube_facts(pks: Iterable[int]) -> dict[int, SourceFacts]:
    wanted = list(pks)
    members: dict[int, set[int]] = {}
    for tube_id, person_id in Sample.objects.filter(tube_id__in=wanted).values_list(
        "tube_id", "person_id"
    ):
        members.setdefault(tube_id, set()).add(person_id)
    facts = {}
    for tube in Tube.objects.filter(pk__in=wanted):
        label = _("Pool %(tube)s of mass testing: %(result)s") % {
            "tube": tube.barcode,
            "result": tube.get_result_display(),
        }
        day = timezone.localdate(tube.resulted_at) if tube.resulted_at else None
        problem = "" if tube.result in ALARMING else _("The pool is not positive or suspicious.")
        facts[tube.pk] = SourceFacts(label, day, frozenset(members.get(tube.pk, ())), problem)
    return facts


SOURCE = SourceKind(kind=KIND, triggers=("positive",), facts=tube_facts)
