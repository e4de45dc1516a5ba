"""Conformance suites shipped with tendml, so third-party extensions can run the same contract."""

from tendml.testing.flavors import check_flavor

__all__ = ["check_flavor"]
