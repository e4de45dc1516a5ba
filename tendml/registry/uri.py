"""Model references: ``models:/name/3``, ``models:/name@champion``, ``models:/name`` (the newest)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tendml.core.errors import ValidationFailed

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,255}$")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
RESERVED_ALIASES = frozenset({"latest"})
_HINT = "write models:/NAME/VERSION, models:/NAME@ALIAS or models:/NAME"


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A parsed reference: exactly one of ``version`` and ``alias`` is set, or neither for the newest."""

    name: str
    version: int | None = None
    alias: str | None = None


def parse_model_ref(text: str) -> ModelRef:
    """Parse a model reference, with or without the ``models:/`` prefix.

    >>> parse_model_ref("models:/churn@champion")
    ModelRef(name='churn', version=None, alias='champion')
    >>> parse_model_ref("churn/3")
    ModelRef(name='churn', version=3, alias=None)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed("model reference is empty", field="model_uri", hint=_HINT)
    body = text.strip().removeprefix("models:/").strip("/")
    if "@" in body:
        name, alias = body.split("@", 1)
        check_alias(alias, field="model_uri")
        return ModelRef(check_model_name(name, field="model_uri"), alias=alias)
    if "/" in body:
        name, version = body.rsplit("/", 1)
        name = check_model_name(name, field="model_uri")
        if version == "latest":
            return ModelRef(name)
        if not version.isdigit() or int(version) < 1:
            raise ValidationFailed(
                f"version {version!r} in {text!r} is not a positive integer", field="model_uri", hint=_HINT
            )
        return ModelRef(name, version=int(version))
    return ModelRef(check_model_name(body, field="model_uri"))


def check_model_name(name: str, *, field: str = "name") -> str:
    """A registered model name: 1-256 letters, digits, spaces and ``_ . -``, starting alphanumeric."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationFailed(
            f"invalid model name {name!r}",
            field=field,
            hint="use 1-256 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit",
        )
    return name


def check_alias(alias: str, *, field: str = "alias") -> str:
    """An alias: a letter then up to 63 letters, digits, ``_`` or ``-``; ``latest`` is reserved."""
    if not isinstance(alias, str) or not _ALIAS.match(alias) or alias in RESERVED_ALIASES:
        raise ValidationFailed(
            f"invalid alias {alias!r}",
            field=field,
            hint="start with a letter, then up to 63 letters, digits, '_' or '-'; 'latest' is reserved",
        )
    return alias
