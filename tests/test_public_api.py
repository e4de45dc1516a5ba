"""The public Python API: every name in ``tendml.__all__`` imports and is documented."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import tendml

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_imports_and_has_a_docstring() -> None:
    assert 20 <= len(tendml.__all__) <= 45
    for name in tendml.__all__:
        value = getattr(tendml, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"tendml.{name} has no docstring"


def test_import_does_no_io(tmp_path: Path) -> None:
    # Importing tendml must not create a store, read settings or import heavy optional libraries.
    code = (
        "import sys, tendml, os; "
        "assert not os.path.exists('.tendml'); "
        "print(sorted(m for m in ('xgboost', 'lightgbm', 's3fs', 'polars') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_quickstart_example_runs_and_leaves_a_store_the_cli_reads(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "registered breast-cancer version 1 as champion" in done.stdout
    assert "breast-cancer-train@1" in done.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "tendml", "lineage", "breast-cancer", "1", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"breast-cancer-train"' in shown.stdout
