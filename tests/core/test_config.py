"""The settings' one definition: what the variables do, and the page that documents them."""

from __future__ import annotations

import pytest

from companion import config, config_docs

DOC = config.PROJECT_ROOT / "docs" / "configuration.md"


def test_configuration_page_is_generated_from_the_settings():
    written = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert written == config_docs.markdown(), (
        f"docs/configuration.md is out of date; regenerate it: {config_docs.REGENERATE}"
    )


def test_every_setting_says_in_one_line_what_it_does():
    missing = [s.variable for s in config.SETTINGS.values() if not s.doc.strip() or "\n" in s.doc or "|" in s.doc]
    assert missing == [], f"give each of these a one-line description (no '|') in companion/config.py: {missing}"


def test_page_names_every_variable_with_its_default():
    page = DOC.read_text(encoding="utf-8")
    assert "| `COMPANION_DISPATCH_BATCH_SIZE` | integer | `500` |" in page
    assert "| `COMPANION_RATELIMIT_ENABLED` | on/off | on |" in page
    assert "| `COMPANION_DATABASE_URL` | text | SQLite file `instance/companion.db` |" in page


def _sample(setting: config.Setting) -> tuple[str, object]:
    """A value for the variable unlike its default, and what the app should then hold."""
    if setting.kind is bool:
        return ("off", False) if setting.default else ("Yes", True)
    if setting.kind is int:
        return "7", 7
    if setting.kind is float:
        return "2.5", 2.5
    return "sqlite:///elsewhere.db", "sqlite:///elsewhere.db"


@pytest.mark.parametrize("key", list(config.SETTINGS))
def test_each_variable_sets_its_value(key, monkeypatch, tmp_path):
    setting = config.SETTINGS[key]
    text, expected = _sample(setting)
    monkeypatch.setenv(setting.variable, text)
    assert config.from_environment(str(tmp_path))[key] == expected


@pytest.mark.parametrize("key", list(config.SETTINGS))
def test_an_empty_variable_means_the_default(key, monkeypatch, tmp_path):
    setting = config.SETTINGS[key]
    monkeypatch.setenv(setting.variable, "")
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    default = setting.default
    expected = default(str(tmp_path)) if isinstance(default, config.Computed) else default
    assert config.from_environment(str(tmp_path))[key] == expected


def test_defaults_work_on_a_fresh_machine(monkeypatch, tmp_path):
    for setting in config.SETTINGS.values():
        monkeypatch.delenv(setting.variable, raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    values = config.from_environment(str(tmp_path))
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'companion.db'}"
    assert values["PUSH_BACKEND"] == "log"
    assert values["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert config.from_environment(str(tmp_path))["SECRET_KEY"] == values["SECRET_KEY"]  # kept across restarts


def test_postgres_urls_go_to_psycopg_3(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPANION_DATABASE_URL", "postgres://user@db.example/companion")
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://user@db.example/companion"
    )


def test_the_app_reads_its_settings_from_the_environment(monkeypatch, make_app):
    monkeypatch.setenv("COMPANION_MAX_BODY_BYTES", "1234")
    monkeypatch.setenv("COMPANION_RATELIMIT_CHECKINS", "2 per minute")
    app = make_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 1234
    assert app.config["RATELIMIT_CHECKINS"] == "2 per minute"
