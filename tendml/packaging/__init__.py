"""Model packages: a model's files and a manifest (digests, signature, flavor, requirements).

A package is built in memory from a model (:func:`build_package`); the registry stores each file
and the manifest as content-addressed blobs, and :func:`load_package` checks every file against
its digest before a flavor deserialises anything.
"""

from tendml.packaging.flavor import Flavor, HasPredictor
from tendml.packaging.flavors import available_flavors, flavor_for, register_flavor
from tendml.packaging.manifest import FileEntry, Manifest, Package
from tendml.packaging.package import LoadedModel, build_package, load_package
from tendml.packaging.signature import infer_signature

__all__ = [
    "FileEntry",
    "Flavor",
    "HasPredictor",
    "LoadedModel",
    "Manifest",
    "Package",
    "available_flavors",
    "build_package",
    "flavor_for",
    "infer_signature",
    "load_package",
    "register_flavor",
]
