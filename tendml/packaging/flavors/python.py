"""Any Python object with a callable ``predict``, persisted with cloudpickle.

Unpickling runs code, so this file is loaded only by :func:`tendml.packaging.load_package`,
after its sha256 matched the manifest: bytes that were not the ones packaged are never unpickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

from tendml.core.errors import IntegrityError
from tendml.packaging.requirements import distributions, module_of

MODEL_FILE = "model.pkl"


class PythonFlavor:
    """A generic model: any object whose ``predict`` is callable, as one ``model.pkl`` file."""

    name = "python"

    def accepts(self, model: Any) -> bool:
        """True for any instance with a callable ``predict``."""
        return not isinstance(model, type) and callable(getattr(model, "predict", None))

    def save(self, model: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
        """``model.pkl`` (cloudpickle) and the class that was pickled, for reading the manifest."""
        import cloudpickle

        data = cloudpickle.dumps(model, protocol=pickle.DEFAULT_PROTOCOL)
        return {MODEL_FILE: data}, {"class": f"{module_of(model)}.{type(model).__qualname__}"}

    def load(self, files: Mapping[str, bytes], options: Mapping[str, Any]) -> Any:
        """The unpickled object; call only with digest-verified files."""
        data = files.get(MODEL_FILE)
        if data is None:
            raise IntegrityError(f"python package has no {MODEL_FILE} file")
        # cloudpickle writes standard pickles; this runs code, hence the digest check before it.
        return pickle.loads(data)

    def requirements(self, model: Any) -> list[str]:
        """cloudpickle and the distribution that defines the model's class, if it is installed."""
        return distributions(["cloudpickle", module_of(model)])
