"""Named keys of the artifact store: validated so that they can never escape the store root."""

from __future__ import annotations

import re
import unicodedata

from tendml.core.errors import ValidationFailed

# Temp files sit next to their target so a rename is atomic: the prefix is reserved in keys and never listed.
TMP_PREFIX = ".tendml-tmp-"
# A URL scheme ("s3:", "file:") or a Windows drive ("C:") before the first "/".
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_SEGMENT_BYTES = 255
_KEY_HINT = "use a relative path of names separated by '/', e.g. 'logs/model-a/000001.parquet'"


def safe_key(key: str) -> str:
    """Check a named key and return it normalised (Unicode NFC); keys can never escape the store root.

    Rejects empty keys, absolute paths, URL schemes and drive letters, backslashes, control characters (NUL),
    and empty, ``.`` or ``..`` segments, with :class:`ValidationFailed` (``field="key"``).

    >>> safe_key("logs/model-a/000001.parquet")
    'logs/model-a/000001.parquet'
    >>> try:
    ...     safe_key("../etc/passwd")
    ... except ValidationFailed as exc:
    ...     print(exc.field, "|", exc.message)
    key | key '../etc/passwd' is not allowed: it has a '..' segment
    """
    normalised = unicodedata.normalize("NFC", key) if isinstance(key, str) else key
    problem = _key_problem(normalised)
    if problem is not None:
        raise ValidationFailed(f"key {key!r} is not allowed: {problem}", field="key", hint=_KEY_HINT)
    return normalised


def _key_problem(key: str) -> str | None:
    """Why a key is unsafe, or None when it is fine."""
    if not isinstance(key, str) or not key:
        return "it is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        return "it contains a control character (such as NUL)"
    if "\\" in key:
        return "it contains a backslash"
    if key.startswith("/"):
        return "it is an absolute path"
    if _SCHEME.match(key):
        return "it starts with a URL scheme or a drive letter"
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            return f"it has a {segment!r} segment" if segment else "it has an empty segment"
        if segment.startswith(TMP_PREFIX):
            return f"names starting with {TMP_PREFIX!r} are reserved"
        if len(segment.encode()) > _MAX_SEGMENT_BYTES:
            return f"a name is longer than {_MAX_SEGMENT_BYTES} bytes"
    return None
