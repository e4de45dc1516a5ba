"""tendml.drift: per-column verdicts with Evidently's default methods, the dataset verdict, inputs, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tendml
from tendml.core.errors import ValidationFailed


def _frames(rows: int, *, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current samples: ``shifted`` and ``plan`` drift, the others do not."""
    rng = np.random.default_rng(seed)

    def sample(shift: float, plans: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "stable": rng.normal(0, 1, rows),
                "shifted": rng.normal(shift, 1, rows),
                "count": rng.poisson(3, rows).astype("int64"),
                "plan": rng.choice(["basic", "pro", "team"], rows, p=plans),
                "active": rng.random(rows) < 0.3,
            }
        )

    return sample(0.0, [0.6, 0.3, 0.1]), sample(1.0, [0.2, 0.3, 0.5])


def test_small_samples_use_tests_and_find_the_drifted_columns() -> None:
    ref, cur = _frames(500)
    report = tendml.drift(ref, cur)
    methods = {c.name: c.method for c in report.columns}
    assert methods["stable"] == "ks" and methods["shifted"] == "ks"
    assert methods["plan"] == "chisquare" and methods["active"] == "z"
    assert set(report.drifted_columns) >= {"shifted", "plan"}
    assert "stable" not in report.drifted_columns
    ks = stats.ks_2samp(ref["shifted"], cur["shifted"])
    column = report.column("shifted")
    assert column.statistic == pytest.approx(ks.statistic, abs=1e-12)
    assert column.p_value == pytest.approx(ks.pvalue, rel=1e-9, abs=1e-300)


def test_large_samples_use_distances() -> None:
    ref, cur = _frames(5_000)
    report = tendml.drift(ref, cur)
    methods = {c.name: c.method for c in report.columns}
    assert methods["stable"] == "wasserstein" and methods["plan"] == "jensenshannon"
    shifted = report.column("shifted")
    expected = stats.wasserstein_distance(ref["shifted"], cur["shifted"]) / np.std(ref["shifted"])
    assert shifted.statistic == pytest.approx(expected, rel=1e-9)
    assert shifted.p_value is None and shifted.threshold == 0.1 and shifted.drifted


def test_json_shape_and_dataset_verdict() -> None:
    ref, cur = _frames(500)
    report = tendml.drift(ref, cur, share_threshold=0.3)
    data = report.to_dict()
    assert set(data) >= {"dataset_drift", "drift_share", "columns"}
    assert set(data["columns"]) == {"stable", "shifted", "count", "plan", "active"}
    for entry in data["columns"].values():
        assert set(entry) == {"type", "method", "statistic", "p_value", "threshold", "drifted"}
    assert data["drift_share"] == pytest.approx(len(report.drifted_columns) / 5)
    assert data["dataset_drift"] is (data["drift_share"] >= 0.3)
    assert tendml.drift(ref, ref.copy()).dataset_drift is False


def test_columns_methods_and_files(tmp_path: Path) -> None:
    ref, cur = _frames(300)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    report = tendml.drift(
        tmp_path / "ref.parquet",
        tmp_path / "cur.csv",
        columns=["shifted", "plan"],
        methods={"shifted": "psi"},
    )
    assert [c.name for c in report.columns] == ["shifted", "plan"]
    assert report.column("shifted").method == "psi"


def test_few_distinct_numbers_are_categories_and_nulls_are_left_out() -> None:
    ref, cur = _frames(400)
    ref.loc[:9, "stable"] = np.nan
    cur.loc[:19, "stable"] = np.nan
    report = tendml.drift(ref, cur)
    stable = report.column("stable")
    assert stable.nulls == 20 and stable.current_count == 380 and stable.reference_count == 390
    small = tendml.drift(ref.assign(level=np.arange(400) % 3), cur.assign(level=np.arange(400) % 3))
    assert small.column("level").type == "categorical"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r, c: (r.drop(columns="plan"), c), "columns"),
        (lambda r, c: (r, c.iloc[:0]), "current"),
        (lambda r, c: (r, c.assign(stable=c["stable"].astype(str))), "stable"),
    ],
)
def test_bad_inputs_name_the_field(change, field: str) -> None:  # type: ignore[no-untyped-def]
    ref, cur = change(*_frames(100))
    with pytest.raises(ValidationFailed) as info:
        tendml.drift(ref, cur)
    assert info.value.field == field


def test_unknown_column_or_method_is_refused() -> None:
    ref, cur = _frames(100)
    with pytest.raises(ValidationFailed) as info:
        tendml.drift(ref, cur, columns=["nope"])
    assert info.value.field == "columns"
    with pytest.raises(ValidationFailed):
        tendml.drift(ref, cur, methods={"stable": "no-such-method"})
