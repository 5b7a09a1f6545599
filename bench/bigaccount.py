"""Generate a "big account" and many extra tenants into a Porchside PostgreSQL database.

Used by ``bench/pages.py`` (issue 13) to measure pages whose data is large:
one customer account of an existing tenant with ``invoices`` invoices (two
lines each), ``jobs`` jobs (one charge each, one visit per completed job),
``payments`` payments and ``quotes`` quotes (when the quotes plugin's table
exists), spread over about five years up to a month from now,
plus ``extra_tenants`` businesses, each with a primary subdomain, one account
and one invoice, so tenant look-ups and tenant-scoped indexes work on a
realistic table rather than on two rows.

Everything is written with set-based SQL (``INSERT ... SELECT ...
generate_series``) on one asyncpg connection in one transaction: 100,000
rows take a few seconds, where the ORM would take minutes. The rows follow
the models' rules (every NOT NULL column filled, money in minor units,
random ``public_id``\\ s with each model's prefix); the generated account can
sign in with a password through the real form.
"""

from __future__ import annotations

from dataclasses import dataclass

BIG_ACCOUNT_NUMBER = "BIG-1"
BIG_ACCOUNT_NAME = "Saguaro Property Management"
BIG_EMAIL = "big.account@example.com"
EXTRA_TENANT_PREFIX = "bench-tenant-"


@dataclass(frozen=True)
class Sizes:
    """How many rows to generate."""

    invoices: int = 20_000
    jobs: int = 20_000
    payments: int = 5_000
    extra_tenants: int = 10_000
    quotes: int = 1_000  # when the quotes plugin's table exists

    def scaled(self, factor: float) -> "Sizes":
        return Sizes(*(max(1, round(n * factor)) for n in (self.invoices, self.jobs, self.payments, self.extra_tenants, self.quotes)))


@dataclass(frozen=True)
class BigAccount:
    """What was generated: ids of the account and of a typical job and invoice to load."""

    tenant_id: int
    account_id: int
    email: str
    job_public_id: str  # a completed job with a visit, a charge and an invoice
    invoice_public_id: str  # an open invoice with two lines


def _pid(prefix: str, seed: str = "g") -> str:
    """SQL for a unique random public id: ``prefix_`` + 22 hex characters (fits every public_id column)."""
    return f"'{prefix}_' || substr(md5(random()::text || clock_timestamp()::text || ({seed})::text), 1, 22)"


async def generate(conn, tenant_slug: str, password_hash: str, sizes: Sizes = Sizes(), email: str = BIG_EMAIL) -> BigAccount:
    """Add the big account to ``tenant_slug`` and the extra tenants; return what to load.

    ``conn`` is an asyncpg connection to the Porchside database (migrated);
    ``password_hash`` is the stored form of the account's password (see
    :func:`core.auth.passwords.hash_password`).
    """
    async with conn.transaction():
        tenant = await conn.fetchrow("SELECT id, currency FROM tenant WHERE slug = $1", tenant_slug)
        if tenant is None:
            raise LookupError(f"no tenant {tenant_slug!r}: seed the demo first")
        tenant_id, currency = tenant["id"], tenant["currency"]
        account_id = await conn.fetchval(
            f"""INSERT INTO customer_account (public_id, created_at, number, name, billing_address, phone, archived, tenant_id)
                VALUES ({_pid('acct', "'big'")}, now(), $1, $2, '1 Saguaro Way, Phoenix AZ', '555-0199', false, $3)
                RETURNING id""",
            BIG_ACCOUNT_NUMBER, BIG_ACCOUNT_NAME, tenant_id,
        )
        contact_id = await conn.fetchval(
            f"""INSERT INTO contact (public_id, created_at, first_name, last_name, phone, is_primary, account_id, tenant_id)
                VALUES ({_pid('ct', "'big'")}, now(), 'Morgan', 'Reyes', '555-0199', true, $1, $2) RETURNING id""",
            account_id, tenant_id,
        )
        await conn.execute(
            f"""INSERT INTO contact_email (public_id, created_at, email, send_invoices, is_primary, contact_id, tenant_id)
                VALUES ({_pid('em', "'big'")}, now(), $1, true, true, $2, $3)""",
            email, contact_id, tenant_id,
        )
        await conn.execute(
            f"""INSERT INTO portal_login (public_id, created_at, email, password_hash, password_set_at, tenant_id)
                VALUES ({_pid('pl', "'big'")}, now(), $1, $2, now(), $3)""",
            email, password_hash, tenant_id,
        )
        # Jobs every ~2 hours back from a month ahead: the newest are upcoming, the rest completed.
        step_minutes = max(1, (5 * 365 * 24 * 60) // max(sizes.jobs, 1))
        await conn.execute(
            f"""INSERT INTO job (public_id, created_at, number, title, description, status, scheduled_start,
                                 scheduled_end, completed_at, technician_name, service_address, invoice_view,
                                 account_id, tenant_id)
                SELECT {_pid('job')}, now(), 'BJ-' || g, 'Pool service, building ' || (g % 40 + 1),
                       'Weekly chemical balance and filter check.',
                       CASE WHEN s > now() THEN 'scheduled' ELSE 'completed' END,
                       s, s + interval '1 hour', CASE WHEN s > now() THEN NULL ELSE s + interval '1 hour' END,
                       'Tyler Brooks', (g % 40 + 1) || ' Saguaro Way, Phoenix AZ', 'detailed', $1, $2
                FROM (SELECT g, now() + interval '30 days' - make_interval(mins => g * $3) AS s
                      FROM generate_series(1, $4) AS g) AS series""",
            account_id, tenant_id, step_minutes, sizes.jobs,
        )
        await conn.execute(
            f"""INSERT INTO job_charge (public_id, created_at, description, quantity_milli, unit_price_minor,
                                        amount_minor, currency, position, job_id, tenant_id)
                SELECT {_pid('chg', 'id')}, now(), 'Service visit', 1000, 8500, 8500, $1, 0, id, $2
                FROM job WHERE account_id = $3""",
            currency, tenant_id, account_id,
        )
        await conn.execute(
            f"""INSERT INTO visit (public_id, created_at, scheduled_at, completed_at, technician_name,
                                   technician_notes, summary, job_id, tenant_id)
                SELECT {_pid('vis', 'id')}, now(), scheduled_start, completed_at, 'Tyler Brooks',
                       'Chlorine 3 ppm, pH 7.4. Filter rinsed.', 'Weekly service', id, $1
                FROM job WHERE account_id = $2 AND status = 'completed'""",
            tenant_id, account_id,
        )
        # One invoice per job, newest first: the newest tenth open (some overdue), one in fifty void, the rest paid.
        await conn.execute(
            f"""INSERT INTO invoice (public_id, created_at, number, status, issued_on, due_on, currency,
                                     subtotal_minor, tax_minor, total_minor, paid_minor, memo, account_id,
                                     job_id, tenant_id)
                SELECT {_pid('inv', 'n')}, now(), 'BI-' || n, st, issued, issued + 30, $1,
                       sub, sub * 86 / 1000, sub + sub * 86 / 1000,
                       CASE WHEN st = 'paid' THEN sub + sub * 86 / 1000 ELSE 0 END, '', $2, job_id, $3
                FROM (SELECT n, j.id AS job_id, (coalesce(j.completed_at, now()) AT TIME ZONE 'UTC')::date AS issued,
                             CASE WHEN n % 50 = 0 THEN 'void' WHEN n <= $4 / 10 THEN 'open' ELSE 'paid' END AS st,
                             10000 + (n % 17) * 1000 AS sub
                      FROM (SELECT id, completed_at, row_number() OVER (ORDER BY scheduled_start DESC) AS n
                            FROM job WHERE account_id = $2) AS j
                      WHERE n <= $4) AS rows""",
            currency, account_id, tenant_id, sizes.invoices,
        )
        if sizes.invoices > sizes.jobs:  # more invoices than jobs: the rest without a job
            await conn.execute(
                f"""INSERT INTO invoice (public_id, created_at, number, status, issued_on, due_on, currency,
                                         subtotal_minor, tax_minor, total_minor, paid_minor, memo, account_id, tenant_id)
                    SELECT {_pid('inv')}, now(), 'BX-' || g, 'paid', current_date - g, current_date - g + 30, $1,
                           10000, 860, 10860, 10860, '', $2, $3
                    FROM generate_series(1, $4) AS g""",
                currency, account_id, tenant_id, sizes.invoices - sizes.jobs,
            )
        await conn.execute(
            f"""INSERT INTO invoice_line (public_id, created_at, description, quantity_milli, unit_price_minor,
                                          amount_minor, position, invoice_id, tenant_id)
                SELECT {_pid('il', 'i.id * 2 + p')}, now(),
                       CASE p WHEN 0 THEN 'Weekly service' ELSE 'Chemicals' END, 1000,
                       CASE p WHEN 0 THEN i.subtotal_minor - 2000 ELSE 2000 END,
                       CASE p WHEN 0 THEN i.subtotal_minor - 2000 ELSE 2000 END, p, i.id, $1
                FROM invoice AS i CROSS JOIN generate_series(0, 1) AS p WHERE i.account_id = $2""",
            tenant_id, account_id,
        )
        # Payments for the newest paid invoices, received ten days after issue.
        await conn.execute(
            f"""INSERT INTO payment (public_id, created_at, amount_minor, refunded_minor, currency, method, status,
                                     received_at, reference, card_brand, card_last4, source, account_id,
                                     invoice_id, tenant_id)
                SELECT {_pid('pay', 'id')}, now(), total_minor, 0, currency,
                       (ARRAY['card', 'bank', 'cheque'])[id % 3 + 1], 'succeeded',
                       (issued_on + 10)::timestamp AT TIME ZONE 'UTC',
                       CASE WHEN id % 3 = 2 THEN 'Cheque ' || id ELSE '' END,
                       CASE WHEN id % 3 = 0 THEN 'visa' ELSE '' END, CASE WHEN id % 3 = 0 THEN '4242' ELSE '' END,
                       'staff', account_id, id, tenant_id
                FROM invoice WHERE account_id = $1 AND status = 'paid'
                ORDER BY issued_on DESC, id DESC LIMIT $2""",
            account_id, sizes.payments,
        )
        if await conn.fetchval("SELECT to_regclass('quotes_quote') IS NOT NULL"):
            await _quotes(conn, tenant_id, account_id, currency, sizes.quotes)
        await _extra_tenants(conn, sizes.extra_tenants)
        job = await conn.fetchrow(
            """SELECT j.public_id FROM job AS j JOIN invoice AS i ON i.job_id = j.id
               WHERE j.account_id = $1 AND j.status = 'completed' ORDER BY j.scheduled_start DESC LIMIT 1""",
            account_id,
        )
        invoice = await conn.fetchval(
            "SELECT public_id FROM invoice WHERE account_id = $1 AND status = 'open' ORDER BY issued_on DESC, id DESC LIMIT 1",
            account_id,
        )
    for table in ("tenant", "tenant_domain", "customer_account", "job", "job_charge", "visit", "invoice", "invoice_line", "payment"):
        await conn.execute(f"ANALYZE {table}")
    return BigAccount(tenant_id, account_id, email, job["public_id"], invoice)


async def _quotes(conn, tenant_id: int, account_id: int, currency: str, count: int) -> None:
    """``count`` sent quotes (the list's rows; the quotes plugin's own table), a week apart, most decided."""
    await conn.execute(
        f"""INSERT INTO quotes_quote (public_id, created_at, number, title, status, revision, valid_until, currency,
                                      total_minor, created_by_name, sent_at, decided_at, updated_at, account_id, tenant_id)
            SELECT {_pid('q')}, now(), 'BQ-' || g, 'Resurface pool, building ' || (g % 40 + 1),
                   (ARRAY['approved', 'rejected', 'sent', 'approved', 'expired'])[g % 5 + 1], 1,
                   current_date - g * 7 + 30, $1, 250000 + g % 13 * 10000, 'Maria Delgado',
                   now() - make_interval(days => g * 7), CASE WHEN g % 5 IN (0, 1, 3) THEN now() - make_interval(days => g * 7 - 2) END,
                   now(), $2, $3
            FROM generate_series(1, $4) AS g""",
        currency, account_id, tenant_id, count,
    )


async def _extra_tenants(conn, count: int) -> None:
    """``count`` more businesses, each with a primary subdomain, one account and one paid invoice."""
    await conn.execute(
        f"""INSERT INTO tenant (public_id, slug, name, portal_enabled, locale, currency, timezone, brand_colour,
                                contact_email, contact_phone, contact_address, contact_hours, website,
                                portal_settings, created_at)
            SELECT 'tnt_' || substr(md5(random()::text || g::text), 1, 22), $1 || g, 'Bench Business ' || g, true,
                   'en_US', 'USD', 'America/Chicago', '#0b6e99', 'office@bench-' || g || '.example', '555-0100',
                   '', '', '', (SELECT portal_settings FROM tenant ORDER BY id LIMIT 1), now()
            FROM generate_series(1, $2) AS g""",
        EXTRA_TENANT_PREFIX, count,
    )
    await conn.execute(
        """INSERT INTO tenant_domain (kind, host, is_primary, redirect, created_at, tenant_id)
           SELECT 'subdomain', slug, true, false, now(), id FROM tenant WHERE slug LIKE $1 || '%'""",
        EXTRA_TENANT_PREFIX,
    )
    await conn.execute(
        f"""INSERT INTO customer_account (public_id, created_at, number, name, billing_address, phone, archived, tenant_id)
            SELECT {_pid('acct', 'id')}, now(), 'C-1', 'First customer', '', '', false, id
            FROM tenant WHERE slug LIKE $1 || '%'""",
        EXTRA_TENANT_PREFIX,
    )
    await conn.execute(
        f"""INSERT INTO invoice (public_id, created_at, number, status, issued_on, due_on, currency, subtotal_minor,
                                 tax_minor, total_minor, paid_minor, memo, account_id, tenant_id)
            SELECT {_pid('inv', 'a.id')}, now(), 'I-1', 'paid', current_date - 10, current_date + 20, 'USD',
                   10000, 0, 10000, 10000, '', a.id, a.tenant_id
            FROM customer_account AS a JOIN tenant AS t ON t.id = a.tenant_id WHERE t.slug LIKE $1 || '%'""",
        EXTRA_TENANT_PREFIX,
    )
