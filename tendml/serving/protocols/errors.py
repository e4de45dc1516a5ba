"""The one error a wire codec raises: a request that cannot be served, with the HTTP status it earns."""

from __future__ import annotations

from typing import Final

from tendml.core.errors import ValidationFailed

MALFORMED: Final = 400
TOO_LARGE: Final = 413
UNSUPPORTED_MEDIA_TYPE: Final = 415
DOES_NOT_MATCH: Final = 422
_STATUSES = frozenset({MALFORMED, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, DOES_NOT_MATCH})


class RequestError(ValidationFailed):
    """A request the server refuses: its ``status`` says why, ``field`` names the culprit.

    ``status`` is 400 for a malformed body (not JSON, a wrong structure, a tensor whose data
    contradicts its own shape or datatype), 413 for too many rows, 415 for an unsupported
    media type and 422 for input that does not match the model's signature. ``hint`` says what
    was expected.

    >>> err = RequestError("column 'age': expected long, got string \\"abc\\" at row 3", field="age")
    >>> err.status, err.field, err.to_dict()["type"]
    (422, 'age', 'RequestError')
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = DOES_NOT_MATCH,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        if status not in _STATUSES:
            raise ValueError(f"RequestError status must be one of {sorted(_STATUSES)}, got {status}")
        super().__init__(message, field=field, hint=hint)
        self.status = status
        self.http_status = status  # shadows ValidationFailed's 422 so generic handlers map it too
