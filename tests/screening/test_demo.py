"""The demo district's screening part: a round signed off and a round in progress, loaded
once."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from fangkong.screening.models import Record, ScreeningRound, Task


def test_the_demo_has_a_round_in_progress_for_the_grid_worker(db: Any) -> None:
    out = StringIO()
    call_command("demo", persons=600, stdout=out)
    screening_round = ScreeningRound.objects.get(name="第二轮拉网式排查")
    assert screening_round.status == "open"
    assert [c.label for c in screening_round.categories.all()] == ["湖北来郑人员", "外地来郑人员"]
    first = Task.objects.filter(round=screening_round, community_code="410106001001").first()
    assert first is not None and 0 < first.done < first.households_total  # half done
    assert first.jurisdiction_code == "410106001001001"  # the demo grid worker's grid
    assert Record.objects.filter(task=first, is_current=True).count() == first.done
    assert "Screening: round '第二轮拉网式排查'" in out.getvalue()
    records = Record.objects.count()
    call_command("demo", persons=600, stdout=StringIO())  # again: nothing new
    assert (ScreeningRound.objects.count(), Record.objects.count()) == (2, records)
    # The first round, of the demo's history, is signed off and closed.
    first = ScreeningRound.objects.get(name="第一轮拉网式排查")
    assert first.status == "closed" and first.scope_codes == ["410106001"]
    assert set(Task.objects.filter(round=first).values_list("status", flat=True)) == {"subdistrict"}
