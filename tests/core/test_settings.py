"""Settings: defaults, tendml.toml, environment, explicit arguments, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tendml.core.errors import ConfigurationError
from tendml.core.settings import Settings


def test_defaults_are_the_embedded_store(tmp_path: Path) -> None:
    s = Settings.load(tmp_path)
    assert s.home == Path(".tendml")
    assert s.database_url == "sqlite:///.tendml/tendml.db"
    assert s.artifacts_url == ".tendml/artifacts"
    assert s.user == "tester"  # TENDML_USER from the test fixture


def test_precedence_arguments_then_environment_then_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tendml.toml").write_text(
        '[tendml]\nhome = "from-toml"\nflush-batch = 10\nuser = "toml-user"\n'
    )
    s = Settings.load(tmp_path)
    assert (s.home, s.flush_batch, s.user) == (Path("from-toml"), 10, "tester")  # env beats toml for user
    monkeypatch.setenv("TENDML_HOME", "from-env")
    monkeypatch.setenv("TENDML_ARTIFACTS_URL", "s3://bucket/prefix")
    s = Settings.load(tmp_path)
    assert s.home == Path("from-env") and s.artifacts_url == "s3://bucket/prefix"
    assert s.database_url == "sqlite:///from-env/tendml.db"
    assert Settings.load(tmp_path, home="arg").home == Path("arg")


@pytest.mark.parametrize(
    ("variable", "value"), [("TENDML_FLUSH_BATCH", "0"), ("TENDML_FLUSH_INTERVAL", "soon")]
)
def test_invalid_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as err:
        Settings.load()
    assert err.value.field == variable.removeprefix("TENDML_").lower()


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tendml.toml").write_text("[tendml\n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        Settings.load(tmp_path)


def test_a_bad_database_url_is_a_configuration_error(tmp_path: Path) -> None:
    import tendml

    with pytest.raises(ConfigurationError, match="not a SQLAlchemy URL"):
        tendml.connect(tmp_path, database_url="not a url")
