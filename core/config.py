"""Settings read from ``PORCHSIDE_*`` environment variables.

Every setting has an embedded default so that ``porchside demo`` works with no
configuration at all: SQLite under the data directory, in-process cache and
queue, a dev outbox instead of SMTP. A bad value raises :class:`ConfigError`
whose message names the variable and what is wrong, so start-up can stop with
one readable line.

Production mode (``PORCHSIDE_ENV=production``, the default when
``PORCHSIDE_DATABASE_URL`` names PostgreSQL) guesses nothing: the secret key,
database, Redis, SMTP server and an https public scheme must be given, and
the dev outbox is refused. A server that quietly made up a key or a SQLite
file would work on one machine and fail on the second.
"""

from __future__ import annotations

import io
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from tenants.hosts import is_host_name

PREFIX = "PORCHSIDE_"
SECRET_KEY_MIN_LENGTH = 32
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
ENVIRONMENTS = ("development", "production")
# What production mode needs, in the order the error lists what is missing.
PRODUCTION_NEEDS = (
    ("secret_key", "SECRET_KEY", "set a random key of at least 32 characters, the same on every machine"),
    ("database_url", "DATABASE_URL", "set a postgres:// URL"),
    ("redis_url", "REDIS_URL", "set a redis:// URL"),
    ("smtp_url", "SMTP_URL", "set an smtp:// or smtps:// URL"),
)


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


def _parse_url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    """Check a URL's scheme and that it names a host (or a path, for files).

    Messages never repeat the value: database and SMTP URLs carry passwords.
    """
    value = value.strip()
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in schemes:
        problem = f"scheme {scheme!r} is not one of" if sep else "the URL has no scheme; use one of"
        raise ConfigError(f"{PREFIX}{name}: {problem} {', '.join(schemes)}")
    if scheme == "sqlite":
        if not rest:
            raise ConfigError(f"{PREFIX}{name}: a sqlite URL needs a file path, e.g. sqlite:///var/porchside.sqlite3")
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}{name}: not a valid URL ({exc})") from None
    if scheme == "unix":
        if not parts.path:
            raise ConfigError(f"{PREFIX}{name}: a unix socket URL needs a path")
    elif not parts.hostname:
        raise ConfigError(f"{PREFIX}{name}: the URL has no host name")
    return value


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name}: expected true or false, got {value!r}")


def _parse_int(name: str, value: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{PREFIX}{name}: must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{PREFIX}{name}: must be at most {maximum}, got {number}")
    return number


def _parse_domain(name: str, value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if not is_host_name(domain):
        raise ConfigError(f"{PREFIX}{name}: {value!r} is not a host name (no scheme, port or path)")
    return domain


def _parse_names(name: str, value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    for item in names:
        if not _NAME_RE.match(item):
            raise ConfigError(f"{PREFIX}{name}: {item!r} is not a plugin name")
    return names


def _parse_nameservers(name: str, value: str) -> tuple[tuple[str, int], ...]:
    """``"10.0.0.2:53,[fd00::53]:5353,1.1.1.1"`` -> ((address, port), ...); port 53 by default."""
    servers = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if item.startswith("["):
            address, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ("53" if not rest else "x")
        elif item.count(":") == 1:
            address, _, port = item.partition(":")
        else:
            address, port = item, "53"  # a bare IPv4 or IPv6 address
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(f"{PREFIX}{name}: {item!r} is not an IP address (with an optional :port)") from None
        servers.append((address, _parse_int(name, port, minimum=1, maximum=65535)))
    return tuple(servers)


def _parse_data_dir(value: str) -> Path:
    path = Path(value).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{PREFIX}DATA_DIR: {str(path)!r} exists and is not a directory")
    return path


@dataclass(frozen=True)
class Settings:
    """The process-wide configuration. Build it with :meth:`from_env`."""

    data_dir: Path
    # URLs may carry passwords: keep them and the key out of reprs and logs.
    database_url: str = field(repr=False)
    secret_key: str = field(repr=False)
    # PgBouncer in transaction pooling mode sits between the app and
    # PostgreSQL: asyncpg must not keep prepared statements (core.db).
    database_pgbouncer: bool = False
    # A direct PostgreSQL URL (not through PgBouncer) for `porchside migrate`.
    database_direct_url: str | None = field(default=None, repr=False)
    base_domain: str = "localhost"
    redis_url: str | None = field(default=None, repr=False)
    redis_prefix: str = "porchside"
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "portal@porchside.test"
    stripe_api_base: str = "https://api.stripe.com"
    stripe_js_url: str = "https://js.stripe.com/v3/"
    public_scheme: str = "http"
    public_port: int | None = None
    plugins: tuple[str, ...] | None = None
    load_entry_points: bool = True
    dev_outbox: bool = False
    # A developer's check for untranslated text (core.i18n_pseudo): a request
    # whose Accept-Language asks for "xx" gets every text accented and lengthened.
    pseudo_language: bool = False
    debug: bool = False
    # Background jobs: the app runs a worker unless PORCHSIDE_RUN_WORKER=false
    # (production runs `porchside worker` instead); retries back off from
    # queue_retry_delay seconds, doubling up to queue_retry_max_delay.
    run_worker_in_app: bool = True
    queue_concurrency: int = 4
    queue_retry_delay: float = 10.0
    queue_retry_max_delay: float = 1800.0
    # A running job is touched every third of this many seconds; one left
    # untouched longer (its worker was killed) is run again by another worker.
    queue_heartbeat: int = 30
    # Seconds between the Redis queue's moves of due scheduled jobs and
    # retries to the queue (one worker at a time). Not read from the
    # environment: tests whose jobs retry after fractions of a second lower it.
    queue_schedule_every: float = 1.0
    # Nameservers (address, port) that custom-domain checks ask; empty: the system's.
    dns_nameservers: tuple[tuple[str, int], ...] = ()
    # Outgoing webhooks may go to loopback and private addresses, over plain
    # http too (development and tests only; core.webhooks.targets).
    webhooks_allow_private: bool = False
    # Bearer token of GET /metrics; unset, /metrics answers 404 (core.web.metrics).
    metrics_token: str | None = field(default=None, repr=False)
    # "json" or "text"; None: JSON under serve and worker, text in the demo (core.logs).
    log_format: str | None = None
    # Overrides of core.auth.rate_limit.DEFAULT_LIMITS, e.g. {"link_per_email": "5/900"}.
    rate_limits: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    # "production" refuses every guess (see the module doc); "development" fills gaps.
    environment: str = "development"

    @property
    def production(self) -> bool:
        return self.environment == "production"

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

        data_dir = _parse_data_dir(str(overrides.pop("data_dir", None) or get("DATA_DIR") or "./var"))
        values: dict = {"data_dir": data_dir}

        if (url := get("DATABASE_URL")) is not None:
            values["database_url"] = _parse_url(
                "DATABASE_URL", url, ("sqlite", "postgres", "postgresql", "asyncpg")
            )
        else:
            values["database_url"] = f"sqlite://{data_dir / 'porchside.sqlite3'}"
        if (value := get("DATABASE_PGBOUNCER")) is not None:
            values["database_pgbouncer"] = _parse_bool("DATABASE_PGBOUNCER", value)
        if (url := get("DATABASE_DIRECT_URL")) is not None:
            values["database_direct_url"] = _parse_url("DATABASE_DIRECT_URL", url, ("postgres", "postgresql", "asyncpg"))
        if (url := get("REDIS_URL")) is not None:
            values["redis_url"] = _parse_url("REDIS_URL", url, ("redis", "rediss", "unix"))
        if (value := get("REDIS_PREFIX")) is not None:
            if not _NAME_RE.match(value.replace(":", "")):
                raise ConfigError(f"{PREFIX}REDIS_PREFIX: use letters, digits and . _ - : only, got {value!r}")
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
            values["public_port"] = _parse_int("PUBLIC_PORT", value, minimum=1, maximum=65535)
        if (value := get("PLUGINS")) is not None:
            values["plugins"] = _parse_names("PLUGINS", value)
        if (value := get("DEBUG")) is not None:
            values["debug"] = _parse_bool("DEBUG", value)
        if (value := get("DNS_NAMESERVERS")) is not None:
            values["dns_nameservers"] = _parse_nameservers("DNS_NAMESERVERS", value)
        if (value := get("WEBHOOKS_ALLOW_PRIVATE")) is not None:
            values["webhooks_allow_private"] = _parse_bool("WEBHOOKS_ALLOW_PRIVATE", value)
        if (value := get("RATE_LIMITS")) is not None:
            values["rate_limits"] = _parse_rate_limits("RATE_LIMITS", value)
        if (value := get("METRICS_TOKEN")) is not None:
            if len(value) < 16 or any(c.isspace() for c in value):
                raise ConfigError(f"{PREFIX}METRICS_TOKEN: use at least 16 characters and no spaces")
            values["metrics_token"] = value
        if (value := get("LOG_FORMAT")) is not None:
            if value not in ("json", "text"):
                raise ConfigError(f"{PREFIX}LOG_FORMAT: expected json or text, got {value!r}")
            values["log_format"] = value
        if (value := get("DEV_OUTBOX")) is not None:
            values["dev_outbox"] = _parse_bool("DEV_OUTBOX", value)
        if (value := get("PSEUDO_LANGUAGE")) is not None:
            values["pseudo_language"] = _parse_bool("PSEUDO_LANGUAGE", value)
        if (value := get("RUN_WORKER")) is not None:
            values["run_worker_in_app"] = _parse_bool("RUN_WORKER", value)
        if (value := get("QUEUE_CONCURRENCY")) is not None:
            values["queue_concurrency"] = _parse_int("QUEUE_CONCURRENCY", value, minimum=1)
        if (value := get("QUEUE_RETRY_DELAY")) is not None:
            values["queue_retry_delay"] = float(_parse_int("QUEUE_RETRY_DELAY", value))
        if (value := get("QUEUE_RETRY_MAX_DELAY")) is not None:
            values["queue_retry_max_delay"] = float(_parse_int("QUEUE_RETRY_MAX_DELAY", value))
        if (value := get("QUEUE_HEARTBEAT")) is not None:
            values["queue_heartbeat"] = _parse_int("QUEUE_HEARTBEAT", value, minimum=3, maximum=3600)

        if (value := get("ENV")) is not None:
            if value.strip().lower() not in ENVIRONMENTS:
                raise ConfigError(f"{PREFIX}ENV: expected {' or '.join(ENVIRONMENTS)}, got {value!r}")
            values["environment"] = value.strip().lower()
        elif values["database_url"].startswith(("postgres", "asyncpg")):
            # A PostgreSQL database means a real installation.
            values["environment"] = "production"

        values.update(overrides)
        if values.get("environment") == "production":
            _check_production(
                values,
                database_given=get("DATABASE_URL") is not None or "database_url" in overrides,
                secret_given=bool(values.get("secret_key") or get("SECRET_KEY")),
            )
        if "dev_outbox" not in values:
            # Only the embedded set-up (SQLite, no SMTP) keeps mail in the dev
            # outbox; a production database without SMTP fails mail loudly
            # instead of showing everyone's sign-in links on a web page.
            values["dev_outbox"] = values.get("smtp_url") is None and values["database_url"].startswith("sqlite")
        if "secret_key" not in values:
            values["secret_key"] = get("SECRET_KEY") or _stored_secret(data_dir)
        if len(values["secret_key"]) < SECRET_KEY_MIN_LENGTH:
            raise ConfigError(f"{PREFIX}SECRET_KEY: must be at least {SECRET_KEY_MIN_LENGTH} characters long")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**values)


def _check_production(values: dict, database_given: bool, secret_given: bool) -> None:
    """Refuse to start production with anything left to a guess; name every gap in one line."""
    given = {
        "secret_key": secret_given,
        # database_url always holds a value (the SQLite default): count only one chosen on purpose.
        "database_url": database_given,
        "redis_url": bool(values.get("redis_url")),
        "smtp_url": bool(values.get("smtp_url")),
    }
    missing = [f"{PREFIX}{variable} ({how})" for name, variable, how in PRODUCTION_NEEDS if not given[name]]
    if values.get("public_scheme", "http") != "https":
        missing.append(f"{PREFIX}PUBLIC_SCHEME=https (portals are served over TLS)")
    if values.get("dev_outbox"):
        missing.append(f"{PREFIX}DEV_OUTBOX off (it shows every email on a web page)")
    if values.get("webhooks_allow_private"):
        missing.append(f"{PREFIX}WEBHOOKS_ALLOW_PRIVATE off (webhooks could reach the internal network)")
    if missing:
        raise ConfigError(f"{PREFIX}ENV=production needs: " + "; ".join(missing))


def _parse_rate_limits(name: str, value: str) -> dict[str, str]:
    """``"link_per_email=5/900,signin_per_ip=30/900"`` -> dict, checked."""
    limits = {}
    for item in value.split(","):
        if not item.strip():
            continue
        key, _, rule = item.partition("=")
        count, _, seconds = rule.strip().partition("/")
        if not key.strip() or not count.isdigit() or not seconds.isdigit() or int(seconds) == 0:
            raise ConfigError(f"{PREFIX}{name}: expected name=COUNT/SECONDS items, got {item.strip()!r}")
        limits[key.strip()] = f"{int(count)}/{int(seconds)}"
    return limits


def _stored_secret(data_dir: Path) -> str:
    """Return the secret key kept in the data dir, creating it on first use.

    The file is written aside and then hard-linked into place, so two
    processes starting at once agree on one key and neither reads a
    half-written file. Only the owner may read it (mode 0600).
    """
    path = data_dir / "secret_key"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            key = secrets.token_urlsafe(48)
            draft = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(key)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process won the race: use its key
            finally:
                draft.unlink()
        stored = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"{PREFIX}DATA_DIR: cannot keep the secret key in {str(data_dir)!r} ({exc.strerror})") from None
    if len(stored) < SECRET_KEY_MIN_LENGTH:
        raise ConfigError(
            f"{PREFIX}SECRET_KEY: unset, and the key stored in {str(path)!r} is shorter than "
            f"{SECRET_KEY_MIN_LENGTH} characters; delete that file to generate a new one"
        )
    return stored


def read_env_file(path: str | Path) -> dict[str, str]:
    """The variables of a dotenv file (``KEY=value`` lines, ``#`` comments, optional quotes).

    Values are kept as written: ``&``, ``$`` and ``#`` inside quotes survive,
    which sourcing the file in a shell would not guarantee. A line that is
    not an assignment stops with its line number rather than being skipped.
    """
    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"--env-file {str(path)!r}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--env-file {str(path)!r}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and binding.value is None):
            line = text[: text.find(binding.original.string)].count("\n") + 1 if binding.original.string else "?"
            raise ConfigError(f"--env-file {str(path)!r}: line {line} is not KEY=value")
    # Interpolation off: a "$" in a password is a character, not a variable.
    return {key: value or "" for key, value in dotenv_values(stream=io.StringIO(text), interpolate=False).items()}
