from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


async def claims_from_unproved_domains(apps, schema_editor) -> None:
    """Custom domains added before verification existed were never proved: make them claims.

    Each gets a fresh token and seven days from the upgrade; a tenant whose
    main address was such a domain is back on its subdomain until it verifies.
    """
    import secrets
    from datetime import datetime, timezone

    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"

    def marks(count: int) -> str:
        return ", ".join(f"${i}" if postgres else "?" for i in range(1, count + 1))

    now = datetime.now(timezone.utc)
    _, rows = await client.execute_query(
        "SELECT d.id, d.tenant_id, d.host, d.is_primary, t.slug FROM tenant_domain d "
        "JOIN tenant t ON t.id = d.tenant_id WHERE d.kind = 'custom'"
    )
    for row in rows:
        await client.execute_query(
            "INSERT INTO tenant_domain_claim (tenant_id, host, token, make_primary, created_at) "
            f"VALUES ({marks(5)})",
            [row["tenant_id"], row["host"], secrets.token_hex(16), bool(row["is_primary"]), now],
        )
        await client.execute_query(f"DELETE FROM tenant_domain WHERE id = {marks(1)}", [row["id"]])
        if row["is_primary"]:
            await client.execute_query(
                "UPDATE tenant_domain SET is_primary = TRUE WHERE tenant_id = {} AND kind = 'subdomain' "
                "AND host = {}".format(*marks(2).split(", ")),
                [row["tenant_id"], row["slug"]],
            )


class Migration(migrations.Migration):
    dependencies = [('core', '0002_invites')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DomainClaim',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name='domain_claims', on_delete=OnDelete.CASCADE)),
                ('host', fields.CharField(db_index=True, max_length=253)),
                ('token', fields.CharField(max_length=64)),
                ('make_primary', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tenant_domain_claim', 'app': 'core', 'unique_together': (('tenant', 'host'),), 'pk_attr': 'id', 'table_description': 'A custom domain a business asked for but has not proved it controls yet.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Domain',
            name='verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(claims_from_unproved_domains, ops.RunPython.noop),
    ]
