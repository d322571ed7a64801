"""Settings from the environment. Nothing else in Consult reads os.environ."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///consult.sqlite"
    env: str = "development"
    secret_key: str = ""
    redis_url: str | None = None
    data_dir: Path = field(default_factory=lambda: Path.cwd() / "data")
    admin_password: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    session_idle_seconds: int = 2 * 3600
    session_absolute_seconds: int = 7 * 24 * 3600
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_seconds: int = 15 * 60
    track_max_misses_per_address: int = 20  # tracking codes that matched nothing, per window
    argon2_profile: str = "default"  # "cheapest" only in tests
    templates_dir: Path = BASE_DIR / "templates"
    static_dir: Path = BASE_DIR / "static"
    locale_dir: Path = BASE_DIR / "consult" / "locale"
    default_locale: str = "zh_CN"
    store_namespace: str = "consult"  # prefix of the keys in the session store and the sign-in counters
    # The address residents reach the site at (https://consult.example.org), without a
    # trailing slash: printed notices' QR codes link there. None: taken from the request.
    public_url: str | None = None

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def cookie_prefix(self) -> str:
        """`__Host-` in production: the browser then takes the cookie only when it is Secure,
        has Path=/ and no Domain, so a sibling subdomain cannot set or shadow it. Plain
        names otherwise: http://127.0.0.1 cannot set a Secure cookie."""
        return "__Host-" if self.production else ""

    @property
    def session_cookie(self) -> str:
        return self.cookie_prefix + "session"

    @property
    def csrf_cookie(self) -> str:
        return self.cookie_prefix + "csrftoken"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def _secret_from_data_dir(data_dir: Path) -> str:
    """Development: generate a secret once and keep it in the data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env_vars = os.environ if environ is None else environ
    env = env_vars.get("CONSULT_ENV", "development")
    data_dir = Path(env_vars.get("CONSULT_DATA_DIR", str(Path.cwd() / "data")))
    secret = env_vars.get("SECRET_KEY", "")
    if not secret:
        if env == "production":
            raise SettingsError("SECRET_KEY must be set when CONSULT_ENV=production")
        secret = _secret_from_data_dir(data_dir)
    if len(secret) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters long")
    public_url = _public_url(env_vars.get("CONSULT_PUBLIC_URL", ""))
    proxies = tuple(p.strip() for p in env_vars.get("CONSULT_TRUSTED_PROXIES", "").split(",") if p.strip())
    return Settings(
        database_url=env_vars.get("DATABASE_URL", "sqlite:///consult.sqlite"),
        env=env,
        secret_key=secret,
        redis_url=env_vars.get("REDIS_URL") or None,
        data_dir=data_dir,
        admin_password=env_vars.get("CONSULT_ADMIN_PASSWORD") or None,
        trusted_proxies=proxies,
        public_url=public_url,
    )


def _public_url(value: str) -> str | None:
    """CONSULT_PUBLIC_URL: an http(s) origin with an optional path, kept without the trailing slash."""
    value = value.strip().rstrip("/")
    if not value:
        return None
    scheme, _, rest = value.partition("://")
    if scheme not in ("http", "https") or not rest or any(c in rest for c in "?#@ "):
        raise SettingsError("CONSULT_PUBLIC_URL must look like https://consult.example.org")
    return value


def database_url(environ: dict[str, str] | None = None) -> str:
    env_vars = os.environ if environ is None else environ
    return env_vars.get("DATABASE_URL", "sqlite:///consult.sqlite")


def test_database_url(environ: dict[str, str] | None = None) -> str | None:
    """The database the test suite should use (CONSULT_TEST_DATABASE_URL), if any."""
    env_vars = os.environ if environ is None else environ
    return env_vars.get("CONSULT_TEST_DATABASE_URL") or None


def ci_mode(environ: dict[str, str] | None = None) -> bool:
    env_vars = os.environ if environ is None else environ
    return bool(env_vars.get("CI"))
