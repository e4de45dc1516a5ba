"""The registry: methods by name, and Evidently's default choice by column type and size."""

from __future__ import annotations

import pytest

from tendml.core.errors import ValidationFailed
from tendml.entities import ColumnKind
from tendml.stats.drift import (
    METHODS,
    PSI,
    AndersonDarling,
    ChiSquare,
    JensenShannon,
    KolmogorovSmirnov,
    Wasserstein,
    ZTest,
    choose_method,
    get_method,
)


def test_methods_by_name() -> None:
    assert dict(METHODS) == {
        "ks": KolmogorovSmirnov,
        "wasserstein": Wasserstein,
        "jensenshannon": JensenShannon,
        "psi": PSI,
        "anderson": AndersonDarling,
        "chisquare": ChiSquare,
        "z": ZTest,
    }
    assert get_method("psi") is PSI
    with pytest.raises(ValidationFailed, match="unknown drift method 'kl'") as error:
        get_method("kl")
    assert error.value.field == "method" and "wasserstein" in (error.value.hint or "")
    with pytest.raises(TypeError):
        METHODS["kl"] = PSI  # type: ignore[index]


def test_kinds_and_thresholds() -> None:
    kinds = {name: (cls.kind, cls.is_test, cls.default_threshold) for name, cls in METHODS.items()}
    assert kinds == {
        "ks": ("numeric", True, 0.05),
        "wasserstein": ("numeric", False, 0.1),
        "anderson": ("numeric", True, 0.05),
        "jensenshannon": ("any", False, 0.1),
        "psi": ("any", False, 0.1),
        "chisquare": ("categorical", True, 0.05),
        "z": ("categorical", True, 0.05),
    }


@pytest.mark.parametrize(
    ("kind", "n_reference", "n_unique", "expected"),
    [
        ("numeric", 1000, 6, "ks"),
        ("numeric", 1, 1000, "ks"),
        ("numeric", 1001, 6, "wasserstein"),
        ("datetime", 5000, 5000, "wasserstein"),
        ("numeric", 1000, 5, "chisquare"),
        ("numeric", 1000, 3, "chisquare"),
        ("numeric", 1000, 2, "z"),
        ("numeric", 500, 1, "z"),
        ("numeric", 1001, 5, "jensenshannon"),
        ("categorical", 1000, 3, "chisquare"),
        ("categorical", 1000, 500, "chisquare"),
        ("categorical", 1000, 2, "z"),
        ("boolean", 10, 2, "z"),
        ("categorical", 1001, 2, "jensenshannon"),
        ("categorical", 10**6, 40, "jensenshannon"),
        (ColumnKind.NUMERIC, 10**6, 10**6, "wasserstein"),
        (ColumnKind.BOOLEAN, 10**6, 2, "jensenshannon"),
    ],
)
def test_choose_method_follows_evidentlys_defaults(
    kind: str, n_reference: int, n_unique: int, expected: str
) -> None:
    for n_current in (1, 1000, 10**6):  # the current sample's size does not change the choice
        assert choose_method(kind, n_reference, n_current, n_unique) == expected


def test_choose_method_checks_its_arguments() -> None:
    with pytest.raises(ValidationFailed, match="kind must be") as error:
        choose_method("text", 10, 10, 2)
    assert error.value.field == "kind"
    for args, field in [((0, 10, 2), "n_reference"), ((10, -1, 2), "n_current"), ((10, 10, 0), "n_unique")]:
        with pytest.raises(ValidationFailed, match=field) as error:
            choose_method("numeric", *args)
        assert error.value.field == field
    with pytest.raises(ValidationFailed, match="positive integer"):
        choose_method("numeric", 10.0, 10, 2)  # type: ignore[arg-type]
