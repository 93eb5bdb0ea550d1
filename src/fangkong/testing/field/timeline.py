"""The person file's part of mass testing: each sample (campaign, site, tube, time,
result) and each QR card issued or voided. Read through the area's selectors, so only
what the viewer's scope holds shows, and nothing without TESTING_VIEW."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.registry.timeline import TimelineEvent

from ..models import ALARMING, Card, Result
from . import selectors

LEVELS = {Result.NEGATIVE.value: "success", Result.INVALID.value: "warning"}


def _level(result: str) -> str:
    return "danger" if result in ALARMING else LEVELS.get(result, "info")


def field_events(scope: Scope, person: Person) -> Iterable[TimelineEvent]:
    labels = dict(Result.choices)
    for sample in selectors.person_samples(scope=scope, person=person):
        tube = sample.tube
        result = tube.result or ""
        parts = [
            sample.site.name,
            _("tube %(barcode)s") % {"barcode": tube.barcode},
            str(labels.get(result, result)) if result else str(_("No result yet")),
        ]
        if tube.pool_size > 1:
            parts.append(_("%(n)d-in-1 pool") % {"n": tube.pool_size})
        if sample.outside:
            parts.append(_("not in the campaign's population"))
        if sample.repeat_reason:
            parts.append(_("sampled again: %(reason)s") % {"reason": sample.repeat_reason})
        yield TimelineEvent(
            at=sample.scanned_at,
            source="testing_field",
            title=_("Sampled: %(campaign)s") % {"campaign": sample.campaign.name},
            detail=" · ".join(parts),
            level=_level(result),
        )
    for card in selectors.person_cards(scope=scope, person=person):
        kind = _("QR card") if card.kind == Card.Kind.PRINTED else _("Resident's own testing code")
        yield TimelineEvent(
            at=card.issued_at,
            source="testing_field",
            title=_("%(kind)s issued") % {"kind": kind},
        )
        if card.voided_at:
            yield TimelineEvent(
                at=card.voided_at,
                source="testing_field",
                title=_("%(kind)s voided") % {"kind": kind},
                level="warning",
            )
