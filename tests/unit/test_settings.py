from pathlib import Path

import pytest

from consult.settings import SettingsError, load_settings


def test_defaults_to_sqlite_and_generates_a_kept_secret(tmp_path):
    s = load_settings({"CONSULT_DATA_DIR": str(tmp_path)})
    assert s.database_url == "sqlite:///consult.sqlite"
    assert len(s.secret_key) >= 32
    assert load_settings({"CONSULT_DATA_DIR": str(tmp_path)}).secret_key == s.secret_key  # kept
    assert (Path(tmp_path) / "secret_key").stat().st_mode & 0o077 == 0


def test_production_needs_secret_key(tmp_path):
    with pytest.raises(SettingsError):
        load_settings({"CONSULT_ENV": "production", "CONSULT_DATA_DIR": str(tmp_path)})
    s = load_settings({"CONSULT_ENV": "production", "SECRET_KEY": "k" * 40, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert s.production and s.redis_url == "redis://127.0.0.1:6379/0"


def test_short_secret_is_refused():
    with pytest.raises(SettingsError):
        load_settings({"SECRET_KEY": "short"})


def test_cookie_names_are_host_prefixed_in_production_only():
    from consult.settings import load_settings

    prod = load_settings({"CONSULT_ENV": "production", "SECRET_KEY": "p" * 40})
    assert (prod.session_cookie, prod.csrf_cookie) == ("__Host-session", "__Host-csrftoken")
    dev = load_settings({"CONSULT_ENV": "development", "SECRET_KEY": "d" * 40})
    assert (dev.session_cookie, dev.csrf_cookie) == ("session", "csrftoken")
