"""Settings: one typed, frozen object read from ``TENDML_*`` variables and ``tendml.toml``.

Precedence, highest first: explicit keyword arguments, environment variables, the
``[tendml]`` table of ``tendml.toml`` in the working directory, defaults. Nothing is
read at import time: call :meth:`Settings.load`.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from tendml.core.errors import ConfigurationError

ENV_PREFIX = "TENDML_"
CONFIG_FILE = "tendml.toml"


@dataclass(frozen=True)
class Settings:
    """Where tendml keeps its state and how it behaves.

    Attributes:
        home: folder of the embedded defaults (``TENDML_HOME``, default ``./.tendml``).
        database_url: SQLAlchemy URL of the metadata store (``TENDML_DATABASE_URL``);
            default a SQLite file ``tendml.db`` in ``home``.
        artifacts_url: folder or fsspec URL of the artifact store (``TENDML_ARTIFACTS_URL``);
            default ``home/artifacts``.
        user: the actor recorded on runs and audit events (``TENDML_USER``, default the login name).
        flush_interval: seconds a buffered metric may wait before it is written (``TENDML_FLUSH_INTERVAL``).
        flush_batch: buffered metrics that trigger a write (``TENDML_FLUSH_BATCH``).
    """

    home: Path = Path(".tendml")
    database_url: str = ""
    artifacts_url: str = ""
    user: str = ""
    flush_interval: float = 1.0
    flush_batch: int = 1000

    @classmethod
    def load(cls, cwd: Path | None = None, **overrides: Any) -> Settings:
        """Read the settings for this process (see the module docstring for precedence)."""
        values: dict[str, Any] = {}
        values.update(_from_toml((cwd or Path.cwd()) / CONFIG_FILE))
        values.update(_from_env())
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            name = sorted(unknown)[0]
            raise ConfigurationError(
                f"unknown setting {name!r}", field=name, hint=f"known settings: {', '.join(_names())}"
            )
        return cls._coerce(values)._with_defaults()

    @classmethod
    def _coerce(cls, values: dict[str, Any]) -> Settings:
        out: dict[str, Any] = {}
        for name, raw in values.items():
            try:
                if name == "home":
                    out[name] = Path(raw).expanduser()
                elif name == "flush_interval":
                    out[name] = float(raw)
                    if out[name] <= 0:
                        raise ValueError
                elif name == "flush_batch":
                    out[name] = int(raw)
                    if out[name] < 1:
                        raise ValueError
                else:
                    out[name] = str(raw)
            except (TypeError, ValueError):
                raise ConfigurationError(
                    f"setting {name!r} has an invalid value {raw!r}",
                    field=name,
                    hint=f"set {ENV_PREFIX}{name.upper()} to a positive number"
                    if name.startswith("flush")
                    else None,
                ) from None
        return cls(**out)

    def _with_defaults(self) -> Settings:
        home = self.home
        return replace(
            self,
            database_url=self.database_url or f"sqlite:///{home / 'tendml.db'}",
            artifacts_url=self.artifacts_url or str(home / "artifacts"),
            user=self.user or _login_name(),
        )


def _names() -> list[str]:
    return [f.name for f in fields(Settings)]


def _from_env() -> dict[str, str]:
    return {
        name: os.environ[ENV_PREFIX + name.upper()]
        for name in _names()
        if os.environ.get(ENV_PREFIX + name.upper())
    }


def _from_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"{path} is not valid TOML: {exc}", hint="fix the file or remove it"
        ) from None
    table = data.get("tendml", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [tendml] must be a table", field="tendml")
    return {k.replace("-", "_"): v for k, v in table.items() if k.replace("-", "_") in _names()}


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
