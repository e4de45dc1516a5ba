"""Build a model package from a model, and load a model back from a verified package."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any

from tendml.core.errors import IntegrityError, ValidationFailed
from tendml.core.hashing import sha256_bytes
from tendml.entities.models import Signature
from tendml.packaging.flavor import predictor_of
from tendml.packaging.flavors import flavor_for
from tendml.packaging.inputs import prepare
from tendml.packaging.manifest import FileEntry, Manifest, Package
from tendml.packaging.requirements import pin, tendml_version
from tendml.packaging.signature import infer_signature


def build_package(model: Any, input_example: Any | None = None, *, flavor: str | None = None) -> Package:
    """Save ``model`` with its flavor and describe it in a manifest (files, digests, signature).

    >>> from sklearn.linear_model import LinearRegression
    >>> package = build_package(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    >>> package.manifest.flavor, [f.name for f in package.manifest.files]
    ('sklearn', ['model.skops'])

    Raises:
        ValidationFailed: no flavor takes the model, the named flavor does not take it, or the
            signature cannot be inferred (see :func:`infer_signature`).
    """
    chosen = flavor_for(model, flavor)
    if not chosen.accepts(model):
        raise ValidationFailed(
            f"flavor {chosen.name!r} cannot package a {type(model).__qualname__}",
            field="flavor",
            hint="leave flavor=None to pick one from the model",
        )
    signature = infer_signature(predictor_of(chosen, model), input_example)
    files, options = chosen.save(model)
    manifest = Manifest(
        flavor=chosen.name,
        files=tuple(FileEntry(name, sha256_bytes(data), len(data)) for name, data in sorted(files.items())),
        signature=signature,
        requirements=pin(chosen.requirements(model)),
        python_version=platform.python_version(),
        options=options,
        tendml_version=tendml_version(),
    )
    return Package(manifest=_as_stored(manifest), files=dict(files))


def load_package(manifest: Manifest, files: Mapping[str, bytes]) -> LoadedModel:
    """Check every file against its digest, then rebuild the model with the manifest's flavor.

    No file is deserialised unless all of them match: a model is never half-loaded from bytes
    that are not the ones packaged. Files the manifest does not list are ignored.

    Raises:
        IntegrityError: a listed file is missing or its size or sha256 differs from the manifest.
        ValidationFailed: the manifest names a flavor that is not installed.
    """
    verified = verify_files(manifest, files)
    flavor = flavor_for(None, manifest.flavor)
    native = flavor.load(verified, manifest.options)
    return LoadedModel(native, manifest, predictor_of(flavor, native))


def verify_files(manifest: Manifest, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files the manifest lists, each checked against its size and sha256.

    Raises:
        IntegrityError: naming the first file that is missing or does not match.
    """
    verified: dict[str, bytes] = {}
    for entry in manifest.files:
        data = files.get(entry.name)
        if data is None:
            raise IntegrityError(f"package file {entry.name!r} is missing")
        if len(data) != entry.size or sha256_bytes(data) != entry.digest:
            raise IntegrityError(
                f"package file {entry.name!r} does not match its sha256 in the manifest",
                hint="the file was altered or corrupted; it was not loaded",
            )
        verified[entry.name] = data
    return verified


class LoadedModel:
    """A model loaded from a verified package, predicting on any common form of input.

    ``data`` may be a pandas or polars DataFrame, a dict of columns, a list of record dicts, a
    pyarrow Table or a NumPy array; it is given to the model as its signature says (a DataFrame
    with the signature's columns in order, or an array of its dtype).
    """

    def __init__(self, native: Any, manifest: Manifest, predictor: Any | None = None) -> None:
        self.native = native
        self.manifest = manifest
        #: What ``predict``/``predict_proba`` call with the prepared input (the native model, or a
        #: flavor's wrapper such as XGBoost's Booster predictor); the server calls it directly.
        self.predictor = native if predictor is None else predictor

    @property
    def signature(self) -> Signature:
        """The :class:`~tendml.entities.Signature` recorded in the manifest."""
        return self.manifest.signature

    @property
    def flavor(self) -> str:
        """The name of the flavor that saved and loaded the model."""
        return self.manifest.flavor

    def predict(self, data: Any) -> Any:
        """The model's predictions for ``data``."""
        return self.predictor.predict(prepare(self.signature.inputs, data))

    def predict_proba(self, data: Any) -> Any:
        """Class probabilities for ``data``, one column per entry of ``signature.classes``.

        Raises:
            ValidationFailed: the model has no ``predict_proba``.
        """
        method = getattr(self.predictor, "predict_proba", None)
        if "predict_proba" not in self.signature.methods or not callable(method):
            raise ValidationFailed(
                f"this {self.flavor} model has no predict_proba",
                field="method",
                hint=f"it supports: {', '.join(self.signature.methods)}",
            )
        return method(prepare(self.signature.inputs, data))

    def __repr__(self) -> str:
        return f"LoadedModel(flavor={self.flavor!r}, native={type(self.native).__name__})"


def _as_stored(manifest: Manifest) -> Manifest:
    # The manifest a registry reads back is parsed from JSON: return that same value now, and
    # fail here, not at load time, if a flavor put something JSON cannot hold in the options.
    try:
        data = manifest.to_bytes()
    except TypeError as err:
        raise ValidationFailed(
            f"the {manifest.flavor} package manifest is not JSON-ready: {err}", field="model"
        ) from err
    return Manifest.from_bytes(data)
