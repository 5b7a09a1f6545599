"""Settings read from ``PORCHSIDE_*`` environment variables.

Every setting has an embedded default so that ``porchside demo`` works with no
configuration at all: SQLite under the data directory, in-process cache and
queue, a dev outbox instead of SMTP. A bad value raises :class:`ConfigError`
whose message names the variable and what is wrong, so start-up can stop with
one readable line.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

PREFIX = "PORCHSIDE_"


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


def _parse_url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ConfigError(
            f"{PREFIX}{name}: scheme {parts.scheme or '(none)'!r} is not one of {', '.join(schemes)}"
        )
    return value


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name}: expected true or false, got {value!r}")


def _parse_int(name: str, value: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{PREFIX}{name}: must be at least {minimum}, got {number}")
    return number


def _parse_domain(name: str, value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    labels = domain.split(".")
    if not domain or any(
        not label or len(label) > 63 or not all(c.isalnum() or c == "-" for c in label)
        for label in labels
    ):
        raise ConfigError(f"{PREFIX}{name}: {value!r} is not a host name")
    return domain


@dataclass(frozen=True)
class Settings:
    """The process-wide configuration. Build it with :meth:`from_env`."""

    data_dir: Path
    database_url: str
    secret_key: str
    base_domain: str = "localhost"
    redis_url: str | None = None
    redis_prefix: str = "porchside"
    smtp_url: str | None = None
    mail_from: str = "portal@porchside.test"
    stripe_api_base: str = "https://api.stripe.com"
    stripe_js_url: str = "https://js.stripe.com/v3/"
    public_scheme: str = "http"
    public_port: int | None = None
    plugins: tuple[str, ...] | None = None
    load_entry_points: bool = True
    dev_outbox: bool = False
    debug: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: caches and queues stay in-process."""
        return self.redis_url is None

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "files"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Read settings from ``environ`` (default ``os.environ``).

        ``overrides`` win over the environment; tests use them.
        """
        env = dict(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value if value not in (None, "") else None

        data_dir = Path(overrides.pop("data_dir", None) or get("DATA_DIR") or "./var").resolve()
        values: dict = {"data_dir": data_dir}

        if (url := get("DATABASE_URL")) is not None:
            values["database_url"] = _parse_url(
                "DATABASE_URL", url, ("sqlite", "postgres", "postgresql", "asyncpg")
            )
        else:
            values["database_url"] = f"sqlite://{data_dir / 'porchside.sqlite3'}"
        if (url := get("REDIS_URL")) is not None:
            values["redis_url"] = _parse_url("REDIS_URL", url, ("redis", "rediss", "unix"))
        if (value := get("REDIS_PREFIX")) is not None:
            values["redis_prefix"] = value
        if (url := get("SMTP_URL")) is not None:
            values["smtp_url"] = _parse_url("SMTP_URL", url, ("smtp", "smtps"))
        if (value := get("MAIL_FROM")) is not None:
            if "@" not in value or "\n" in value or "\r" in value:
                raise ConfigError(f"{PREFIX}MAIL_FROM: {value!r} is not an email address")
            values["mail_from"] = value
        if (value := get("BASE_DOMAIN")) is not None:
            values["base_domain"] = _parse_domain("BASE_DOMAIN", value)
        if (value := get("STRIPE_API_BASE")) is not None:
            values["stripe_api_base"] = _parse_url("STRIPE_API_BASE", value, ("http", "https"))
        if (value := get("STRIPE_JS_URL")) is not None:
            values["stripe_js_url"] = _parse_url("STRIPE_JS_URL", value, ("http", "https"))
        if (value := get("PUBLIC_SCHEME")) is not None:
            if value not in ("http", "https"):
                raise ConfigError(f"{PREFIX}PUBLIC_SCHEME: expected http or https, got {value!r}")
            values["public_scheme"] = value
        if (value := get("PUBLIC_PORT")) is not None:
            values["public_port"] = _parse_int("PUBLIC_PORT", value, minimum=1)
        if (value := get("PLUGINS")) is not None:
            values["plugins"] = tuple(p.strip() for p in value.split(",") if p.strip())
        if (value := get("DEBUG")) is not None:
            values["debug"] = _parse_bool("DEBUG", value)
        if (value := get("DEV_OUTBOX")) is not None:
            values["dev_outbox"] = _parse_bool("DEV_OUTBOX", value)

        values.update(overrides)
        if "dev_outbox" not in values:
            values["dev_outbox"] = values.get("smtp_url") is None
        if "secret_key" not in values:
            values["secret_key"] = get("SECRET_KEY") or _stored_secret(data_dir)
        if len(values["secret_key"]) < 32:
            raise ConfigError(f"{PREFIX}SECRET_KEY: must be at least 32 characters long")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**values)


def _stored_secret(data_dir: Path) -> str:
    """Return the secret key kept in the data dir, creating it on first use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
