"""Model fields shared by every app."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def fernet() -> Fernet:
    """The Fernet key for secrets at rest: OMNI_ENCRYPTION_KEY, else derived from SECRET_KEY."""
    key = settings.OMNI_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(("omnichannel-secrets:" + settings.SECRET_KEY).encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    try:
        return Fernet(key)
    except ValueError as exc:
        raise ImproperlyConfigured("OMNI_ENCRYPTION_KEY must be a Fernet key") from exc


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("cannot decrypt a secret: wrong OMNI_ENCRYPTION_KEY?") from exc


class EncryptedJSONField(models.TextField):
    """A JSON value stored as Fernet ciphertext; the database never holds it in clear."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt(json.dumps(value))


class EncryptedTextField(EncryptedJSONField):
    """A secret string (token, key) stored as Fernet ciphertext."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if not value else decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        return None if value in (None, "") else encrypt(str(value))


def tenant_key(*, db_index: bool = True) -> models.ForeignKey:
    """The tenant of a tenant-owned row. ``db_index=False`` where an index or unique
    constraint of the model already starts with the tenant: a second index on the column
    is written on every insert for nothing, and a plan made on stale statistics may pick
    it to walk all the tenant's rows (decision 0013)."""
    return models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="+", db_index=db_index
    )


class TenantOwned(models.Model):
    """Base of every tenant-owned row: the tenant is explicit, never implied."""

    tenant = tenant_key()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
