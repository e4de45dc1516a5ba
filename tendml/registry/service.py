"""The model registry: registered models, versions with their packages, aliases, lineage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from tendml.artifacts import ArtifactStore
from tendml.core.clock import utcnow
from tendml.core.errors import Conflict, IntegrityError, NotFound
from tendml.core.ids import new_id
from tendml.entities.criteria import SuccessCriterion, TaskType, parse_task
from tendml.entities.datasets import DatasetVersion
from tendml.entities.lineage import DatasetLineage, ModelLineage
from tendml.entities.models import AliasChange, ModelVersion, RegisteredModel, Signature
from tendml.packaging import LoadedModel, Manifest, Package, build_package, load_package
from tendml.registry.fields import EDITABLE, check_fields, model_values
from tendml.registry.uri import ModelRef, check_alias, check_model_name, parse_model_ref
from tendml.store import MetadataStore, UnitOfWork
from tendml.tracking import ActiveRun, Tracker


class Registry:
    """Registered models of one workspace. Every change writes an audit event in its transaction."""

    def __init__(self, store: MetadataStore, artifacts: ArtifactStore, tracker: Tracker, actor: str) -> None:
        self.store = store
        self.artifacts = artifacts
        self.tracker = tracker
        self.actor = actor

    # --- registered models -------------------------------------------------------------------
    def create_model(
        self,
        name: str,
        *,
        owner: str | None = None,
        team: str = "",
        description: str = "",
        task: str | TaskType = TaskType.BINARY,
        objective: str = "",
        success_criteria: Sequence[str | SuccessCriterion] | str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> RegisteredModel:
        """Register a model with its purpose; the name must be new."""
        check_model_name(name)
        values = model_values(
            owner=owner or self.actor,
            team=team,
            description=description,
            task=task,
            objective=objective,
            success_criteria=success_criteria,
            tags=tags,
        )
        with self.store.write() as uow:
            self._insert_model(uow, name, values)
            return uow.models.get_model(name)

    def update_model(self, name: str, **changes: Any) -> RegisteredModel:
        """Change owner, team, description, task, objective, success_criteria or tags."""
        check_fields(changes, "cannot update {!r} of a registered model")
        with self.store.write() as uow:
            model_id = uow.models.require_id(name, lock=True)
            before = uow.models.get_model(name)
            merged = {k: getattr(before, k) for k in EDITABLE} | changes
            values = model_values(**merged)
            uow.models.update_model(model_id, {**values, "updated_at": utcnow()})
            after = uow.models.get_model(name)
            uow.audit.append(
                self.actor,
                "model.update",
                "model",
                name,
                before=_model_audit(before),
                after=_model_audit(after),
            )
            return after

    def get_model(self, name: str) -> RegisteredModel:
        with self.store.read() as uow:
            return uow.models.get_model(name)

    def search_models(
        self,
        *,
        name: str | None = None,
        owner: str | None = None,
        team: str | None = None,
        task: str | TaskType | None = None,
        tags: Mapping[str, str] | None = None,
        limit: int = 100,
    ) -> list[RegisteredModel]:
        """Models matching all given filters (``name`` may contain ``*``), by name."""
        with self.store.read() as uow:
            return uow.models.list_models(
                name=name,
                owner=owner,
                team=team,
                task=parse_task(task) if task else None,
                tags=dict(tags) if tags else None,
                limit=limit,
            )

    # --- versions ----------------------------------------------------------------------------
    def log_model(
        self,
        model: Any,
        name: str,
        *,
        input_example: Any = None,
        flavor: str | None = None,
        datasets: Sequence[DatasetVersion | str] | None = None,
        run: ActiveRun | str | None = None,
        description: str = "",
        **model_fields: Any,
    ) -> ModelVersion:
        """Package ``model`` and register it as the next version of ``name``.

        The model is created on first use (``model_fields`` such as ``task`` or ``success_criteria``
        apply only then). Inside a run, the version links to it and, unless ``datasets`` is given,
        to the datasets the run logged with role ``training``.
        """
        check_model_name(name)
        check_fields(model_fields, "log_model got an unexpected argument {!r}")
        package = build_package(model, input_example, flavor=flavor)
        digest = self._store_package(package)
        run_id, dataset_ids = self._provenance(run, datasets)
        version = ModelVersion(
            id=new_id(),
            model=name,
            version=0,
            digest=digest,
            flavor=package.manifest.flavor,
            signature=package.manifest.signature,
            requirements=package.manifest.requirements,
            run_id=run_id,
            datasets=tuple(sorted(dataset_ids)),
            description=description,
            created_at=utcnow(),
            created_by=self.actor,
        )
        return self._insert_version(version, model_fields)

    def _store_package(self, package: Package) -> str:
        """Store each file, then the manifest that lists them; returns the manifest's digest."""
        for entry in package.manifest.files:
            if self.artifacts.put_bytes(package.files[entry.name]) != entry.digest:
                raise IntegrityError(f"package file {entry.name} changed while it was stored", field="model")
        return self.artifacts.put_bytes(package.manifest.to_bytes())

    def _insert_version(self, draft: ModelVersion, model_fields: dict[str, Any]) -> ModelVersion:
        """Number and insert a version, creating its model on first use."""
        with self.store.write() as uow:
            model_id = uow.models.model_id(draft.model, lock=True)
            if model_id is None:
                fields = {"task": _task_from(draft.signature), **model_fields}
                values = model_values(owner=fields.pop("owner", self.actor), **fields)
                try:
                    model_id = self._insert_model(uow, draft.model, values)
                except Conflict:  # created by a concurrent writer since we looked
                    model_id = uow.models.require_id(draft.model, lock=True)
            version = replace(draft, version=uow.models.next_version(model_id))
            uow.models.insert_version(model_id, version)
            uow.audit.append(
                self.actor,
                "model.version.create",
                "model",
                version.model,
                after={
                    "version": version.version,
                    "digest": version.digest,
                    "flavor": version.flavor,
                    "run_id": version.run_id,
                    "datasets": list(version.datasets),
                },
            )
        return version

    def get_version(self, name: str, version: int) -> ModelVersion:
        with self.store.read() as uow:
            return uow.models.get_version(name, version)

    def versions(self, name: str, *, limit: int = 100) -> list[ModelVersion]:
        """Versions of ``name``, newest first."""
        with self.store.read() as uow:
            return uow.models.versions(name, limit=limit)

    def resolve(self, ref: str | ModelRef) -> ModelVersion:
        """The version a reference points at (``models:/name@alias``, ``models:/name/3``, ``name``)."""
        parsed = parse_model_ref(ref) if isinstance(ref, str) else ref
        with self.store.read() as uow:
            if parsed.version is not None:
                return uow.models.get_version(parsed.name, parsed.version)
            model = uow.models.get_model(parsed.name)
            if parsed.alias is not None:
                number = model.aliases.get(parsed.alias)
                if number is None:
                    raise NotFound(
                        f"model {parsed.name!r} has no alias {parsed.alias!r}",
                        field="alias",
                        hint=f"its aliases: {', '.join(model.aliases) or 'none'}",
                    )
            else:
                number = model.latest_version
                if number is None:
                    raise NotFound(f"model {parsed.name!r} has no versions yet", field="model_uri")
            return uow.models.get_version(parsed.name, number)

    def load_model(self, ref: str | ModelVersion) -> LoadedModel:
        """Load a version's package after verifying every blob against its recorded digest."""
        version = ref if isinstance(ref, ModelVersion) else self.resolve(ref)
        manifest = Manifest.from_bytes(self.artifacts.read_bytes(version.digest))
        files = {entry.name: self.artifacts.read_bytes(entry.digest) for entry in manifest.files}
        return load_package(manifest, files)

    # --- aliases -----------------------------------------------------------------------------
    def set_alias(self, name: str, alias: str, version: int, *, reason: str | None = None) -> AliasChange:
        """Point ``alias`` at ``version`` atomically; the move is kept in the alias history."""
        check_alias(alias)
        with self.store.write() as uow:
            model_id = uow.models.require_id(name, lock=True)
            uow.models.get_version(name, version)  # must exist
            return self._move(uow, model_id, name, alias, version, reason)

    def delete_alias(self, name: str, alias: str, *, reason: str | None = None) -> AliasChange:
        """Remove ``alias`` (kept in its history)."""
        with self.store.write() as uow:
            model_id = uow.models.require_id(name, lock=True)
            if uow.models.alias(model_id, alias) is None:
                raise NotFound(f"model {name!r} has no alias {alias!r}", field="alias")
            return self._move(uow, model_id, name, alias, None, reason)

    def alias_history(self, name: str, alias: str | None = None) -> list[AliasChange]:
        """Every move of ``name``'s aliases (or of one), oldest first."""
        with self.store.read() as uow:
            return uow.models.alias_history(name, alias)

    def _move(
        self, uow: UnitOfWork, model_id: str, name: str, alias: str, version: int | None, reason: str | None
    ) -> AliasChange:
        now = utcnow()
        old = uow.models.move_alias(model_id, alias, version, actor=self.actor, time=now, reason=reason)
        action = "model.alias.delete" if version is None else "model.alias.set"
        uow.audit.append(
            self.actor,
            action,
            "model",
            name,
            before={"alias": alias, "version": old},
            after={"alias": alias, "version": version, "reason": reason},
        )
        return AliasChange(
            model=name,
            alias=alias,
            from_version=old,
            to_version=version,
            actor=self.actor,
            time=now,
            reason=reason,
        )

    # --- lineage -----------------------------------------------------------------------------
    def lineage(self, name: str, version: int) -> ModelLineage:
        """Version → run → datasets → commit."""
        with self.store.read() as uow:
            found = uow.models.get_version(name, version)
            run = uow.runs.get(found.run_id) if found.run_id and uow.runs.exists(found.run_id) else None
            return ModelLineage(version=found, run=run, datasets=tuple(uow.datasets.by_ids(found.datasets)))

    def dataset_lineage(self, name: str, version: int | None = None) -> DatasetLineage:
        """Dataset version → every model version trained on it."""
        with self.store.read() as uow:
            dataset = uow.datasets.get(name, version)
            return DatasetLineage(dataset=dataset, versions=tuple(uow.models.versions_trained_on(dataset.id)))

    # --- helpers -----------------------------------------------------------------------------
    def _provenance(
        self, run: ActiveRun | str | None, datasets: Sequence[DatasetVersion | str] | None
    ) -> tuple[str | None, list[str]]:
        active = run if run is not None else self.tracker.active_run()
        run_id = active.id if isinstance(active, ActiveRun) else active
        if run_id is not None and isinstance(run, str):
            self.tracker.get_run(run_id)  # raises NotFound for an unknown id
        if datasets is not None:
            ids = [d.id if isinstance(d, DatasetVersion) else d for d in datasets]
        else:
            ids = self.tracker.run_inputs(run_id, "training") if run_id else []
        return run_id, ids

    def _insert_model(self, uow: UnitOfWork, name: str, values: dict[str, Any]) -> str:
        now = utcnow()
        model_id = new_id()
        uow.models.insert_model(
            {"id": model_id, "name": name, "created_at": now, "updated_at": now, **values}
        )
        uow.audit.append(self.actor, "model.create", "model", name, after=values)
        return model_id


def _task_from(signature: Signature) -> TaskType:
    if signature.classes is None:
        return TaskType.REGRESSION
    return TaskType.BINARY if len(signature.classes) <= 2 else TaskType.MULTICLASS


def _model_audit(model: RegisteredModel) -> dict[str, Any]:
    return {k: v for k, v in model.to_dict().items() if k in EDITABLE}
