"""scikit-learn estimators and pipelines, persisted with skops (never raw pickle).

skops refuses to build any type that is not in its default trusted set or in the list passed to
``loads``. At save time the types outside the default set are recorded in the manifest options;
at load time exactly that list is trusted, so a file that gained a type after it was packaged
(a call to ``builtins.exec``, ``os.system`` …) is refused before anything is constructed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from typing import Any

from tendml.core.errors import IntegrityError
from tendml.packaging.flavor import defined_in
from tendml.packaging.requirements import distributions, module_of

MODEL_FILE = "model.skops"
_BASES = frozenset({"BaseEstimator"})


class SklearnFlavor:
    """Any scikit-learn estimator or Pipeline, as one ``model.skops`` file."""

    name = "sklearn"

    def accepts(self, model: Any) -> bool:
        """True for instances of ``sklearn.base.BaseEstimator`` (without importing scikit-learn)."""
        return not isinstance(model, type) and defined_in(model, "sklearn", _BASES)

    def save(self, model: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
        """``model.skops`` and ``{"trusted_types": [...]}``, the non-default types the file holds."""
        import skops.io as sio

        data = sio.dumps(model)
        trusted = sorted(sio.get_untrusted_types(data=data))
        return {MODEL_FILE: data}, {"trusted_types": trusted}

    def load(self, files: Mapping[str, bytes], options: Mapping[str, Any]) -> Any:
        """The estimator, trusting only the types recorded at save time.

        Raises:
            IntegrityError: the file is missing or holds a type outside the recorded list.
        """
        import skops.io as sio
        from skops.io.exceptions import UntrustedTypesFoundException

        trusted = _trusted_types(options)
        data = files.get(MODEL_FILE)
        if data is None:
            raise IntegrityError(f"sklearn package has no {MODEL_FILE} file")
        try:
            return sio.loads(data, trusted=trusted)
        except UntrustedTypesFoundException as err:
            raise IntegrityError(
                f"{MODEL_FILE} holds untrusted types not recorded when it was packaged: {err}",
                hint="the file was altered after packaging; it was not loaded",
            ) from err
        except zipfile.BadZipFile as err:
            raise IntegrityError(f"{MODEL_FILE} is not a skops file: {err}") from err

    def requirements(self, model: Any) -> list[str]:
        """scikit-learn, skops, NumPy, SciPy and the packages of every step of the model."""
        modules = ["sklearn", "skops", "numpy", "scipy", module_of(model)]
        params = model.get_params(deep=True) if hasattr(model, "get_params") else {}
        modules += [module_of(v) for v in params.values() if hasattr(v, "get_params")]
        return distributions(modules)


def _trusted_types(options: Mapping[str, Any]) -> list[str]:
    trusted = options.get("trusted_types", [])
    if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
        raise IntegrityError("sklearn options: trusted_types must be a list of type names")
    return trusted
