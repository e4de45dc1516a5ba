"""A workspace: one metadata store and one artifact store, with the services that work on them.

``tendml.connect()`` opens one; the module-level functions of :mod:`tendml` use the default
workspace, configured from ``TENDML_*`` variables and ``tendml.toml`` on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tendml.artifacts import ArtifactStore
from tendml.core.settings import Settings
from tendml.datasets import Datasets
from tendml.entities.datasets import DatasetVersion
from tendml.entities.models import ModelVersion
from tendml.entities.monitoring import MonitorResult
from tendml.logs import LogReader
from tendml.monitoring import monitor_window
from tendml.packaging import LoadedModel
from tendml.registry import Registry, Traffic
from tendml.store import MetadataStore, open_store
from tendml.tracking import ActiveRun, Tracker


class Workspace:
    """The services of one tendml installation: ``tracker``, ``datasets`` and ``registry``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: MetadataStore = open_store(settings.database_url)
        self.artifacts = ArtifactStore(settings.artifacts_url)
        self.tracker = Tracker(self.store, self.artifacts, settings)
        self.datasets = Datasets(self.store, self.artifacts, settings.user)
        self.registry = Registry(self.store, self.artifacts, self.tracker, settings.user)
        self.traffic = Traffic(self.store, settings.user)

    def __repr__(self) -> str:
        return (
            f"Workspace(database={self.store.engine.url.render_as_string(hide_password=True)!r}, "
            f"artifacts={self.settings.artifacts_url!r})"
        )

    # --- tracking ----------------------------------------------------------------------------
    def start_run(
        self, experiment: str = "default", *, name: str | None = None, tags: Mapping[str, Any] | None = None
    ) -> ActiveRun:
        """Start a run; use it as a context manager. See :class:`tendml.tracking.ActiveRun`."""
        return self.tracker.start_run(experiment, name=name, tags=tags)

    def active_run(self) -> ActiveRun | None:
        return self.tracker.active_run()

    def current_run(self) -> ActiveRun:
        """The active run, or a new one in experiment ``default`` (as module-level logging expects)."""
        return self.tracker.active_run() or self.tracker.start_run()

    # --- datasets ----------------------------------------------------------------------------
    def log_dataset(
        self, data: Any, name: str, *, role: str = "training", run: ActiveRun | None = None
    ) -> DatasetVersion:
        """Version a table; inside a run, record it as the run's input with ``role``."""
        version = self.datasets.log(data, name)
        active = run or self.tracker.active_run()
        if active is not None:
            active.log_input(version, role)
        return version

    def load_dataset(self, name: str, version: int | None = None) -> Any:
        """A dataset version's rows as a pyarrow Table."""
        return self.datasets.load(name, version)

    # --- monitoring ---------------------------------------------------------------------------
    def monitor(
        self,
        name: str,
        *,
        window: str | timedelta | int = "1d",
        until: datetime | None = None,
        reference: Any = None,
        segment: str | None = None,
    ) -> MonitorResult:
        """The newest ``window`` (``"1d"``, ``"6h"``, a row count) of ``name``'s logged predictions:
        drift of its inputs against the training dataset (or ``reference``), realised performance of
        the labelled ones, usage; with ``segment`` (an input column), bias across its groups."""
        return monitor_window(
            self.registry,
            self.datasets,
            LogReader(self.artifacts),
            name,
            window=window,
            until=until,
            reference=reference,
            segment=segment,
        )

    # --- models ------------------------------------------------------------------------------
    def log_model(
        self,
        model: Any,
        name: str,
        *,
        input_example: Any = None,
        flavor: str | None = None,
        datasets: Sequence[DatasetVersion | str] | None = None,
        description: str = "",
        **model_fields: Any,
    ) -> ModelVersion:
        """Package and register ``model`` as the next version of ``name``. See :meth:`Registry.log_model`."""
        return self.registry.log_model(
            model,
            name,
            input_example=input_example,
            flavor=flavor,
            datasets=datasets,
            description=description,
            **model_fields,
        )

    def load_model(self, uri: str | ModelVersion) -> LoadedModel:
        """Load ``models:/name@alias``, ``models:/name/3`` or ``models:/name`` (its newest version)."""
        return self.registry.load_model(uri)


_default: Workspace | None = None
_default_lock = threading.Lock()


def connect(
    home: str | Path | None = None,
    *,
    database_url: str | None = None,
    artifacts_url: str | None = None,
    user: str | None = None,
    cwd: Path | None = None,
) -> Workspace:
    """Open a workspace; arguments override the environment and ``tendml.toml``."""
    settings = Settings.load(
        cwd, home=home, database_url=database_url, artifacts_url=artifacts_url, user=user
    )
    return Workspace(settings)


def workspace() -> Workspace:
    """The default workspace of this process, opened from the settings on first use."""
    global _default  # noqa: PLW0603 - the one process-wide default, set under a lock
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = connect()
    return _default


def configure(
    home: str | Path | None = None,
    *,
    database_url: str | None = None,
    artifacts_url: str | None = None,
    user: str | None = None,
) -> Workspace:
    """Replace the default workspace (for example to point at PostgreSQL and S3)."""
    global _default  # noqa: PLW0603
    with _default_lock:
        _default = connect(home, database_url=database_url, artifacts_url=artifacts_url, user=user)
        return _default
