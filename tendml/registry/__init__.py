"""The model registry: models with objectives and criteria, versions, aliases and lineage."""

from tendml.registry.service import Registry
from tendml.registry.traffic import Traffic
from tendml.registry.uri import ModelRef, check_alias, check_model_name, parse_model_ref

__all__ = ["ModelRef", "Registry", "Traffic", "check_alias", "check_model_name", "parse_model_ref"]
