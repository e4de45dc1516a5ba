"""One exception hierarchy for tendml.

Every error a user can meet derives from :class:`TendmlError` and carries what the
caller needs to act: a message, the offending ``field`` where there is one, and a
``hint`` that says how to fix it. Interfaces map the classes to exit codes and
HTTP statuses (404, 409, 422, 403, 500) and render :meth:`TendmlError.to_dict`.
"""

from __future__ import annotations

from typing import Any


class TendmlError(Exception):
    """Base class of every error raised by tendml."""

    http_status = 500

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body shared by the CLI and HTTP: ``{"type", "message", "field"?, "hint"?}``."""
        body: dict[str, Any] = {"type": type(self).__name__, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.hint is not None:
            body["hint"] = self.hint
        return body


class NotFound(TendmlError):
    """A named object (run, dataset, model, version, alias, blob) does not exist."""

    http_status = 404


class Conflict(TendmlError):
    """The change contradicts what is stored (a duplicate name, a changed parameter, a write-once key)."""

    http_status = 409


class ValidationFailed(TendmlError):
    """Input is malformed or out of range; ``field`` names it and ``hint`` says what is allowed."""

    http_status = 422


class PermissionDenied(TendmlError):
    """The actor may not do this."""

    http_status = 403


class IntegrityError(TendmlError):
    """Stored bytes or records no longer match their recorded digest: never load them."""

    http_status = 500


class ConfigurationError(TendmlError):
    """A setting (environment variable or ``tendml.toml``) is invalid."""

    http_status = 500
