"""Scoped querysets: `Model.objects.within(scope)` is the only way to read scoped rows.

A scoped model carries `jurisdiction_code` and uses `ScopedManager`. Reading one
through a plain manager is banned outside selectors, services and migrations by a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from .codes import next_prefix
from .errors import NotFound

if TYPE_CHECKING:
    from .scope import Scope

M = TypeVar("M", bound=models.Model)


def code_range_q(prefix: str, field: str = "jurisdiction_code") -> models.Q:
    """Q for "field starts with prefix", as an index-friendly range."""
    if not prefix:
        return models.Q()
    q = models.Q(**{f"{field}__gte": prefix})
    upper = next_prefix(prefix)
    if upper is not None:
        q &= models.Q(**{f"{field}__lt": upper})
    return q


class ScopedQuerySet(models.QuerySet[M]):
    scope_field = "jurisdiction_code"

    def within(self, scope: Scope) -> ScopedQuerySet[M]:
        return self.filter(code_range_q(scope.code, self.scope_field))

    def within_code(self, prefix: str) -> ScopedQuerySet[M]:
        return self.filter(code_range_q(prefix, self.scope_field))


class ScopedManager(models.Manager[M]):
    def get_queryset(self) -> ScopedQuerySet[M]:
        return ScopedQuerySet(self.model, using=self._db)

    def within(self, scope: Scope) -> ScopedQuerySet[M]:
        return self.get_queryset().within(scope)

    def within_code(self, prefix: str) -> ScopedQuerySet[M]:
        return self.get_queryset().within_code(prefix)


def get_or_404(queryset: models.QuerySet[M], **lookup: Any) -> M:
    """Fetch one row of an already scoped queryset; "not yours" looks like "missing"."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found.")) from None
