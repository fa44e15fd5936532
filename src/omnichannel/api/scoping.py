"""Tenant scoping: every query of the API goes through these, so isolation is in one place."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from omnichannel.errors import NotFound
from omnichannel.tenants.models import Tenant

M = TypeVar("M", bound=Model)


def tenant_of(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]  # set by api.auth.ScopedBearer


def owned(model: type[M], request: HttpRequest) -> QuerySet[M]:
    """The caller's tenant's rows of ``model``."""
    return model.objects.filter(tenant=tenant_of(request))


def get_owned(model: type[M], request: HttpRequest, pk: int) -> M:
    """One of the caller's rows; another tenant's row is as absent as a missing one."""
    obj = owned(model, request).filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"No {model._meta.verbose_name} with id {pk}.", details={"id": pk})
    return obj
