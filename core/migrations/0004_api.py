from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

SYNCED_TABLES = ("customer_account", "contact", "job", "visit", "invoice", "note", "attachment")


async def updated_at_from_created_at(apps, schema_editor) -> None:
    """Rows written before this migration count as last changed when created.

    The API's ``updated_since`` filter reads ``updated_at``: without this an
    older row would never be listed by it.
    """
    for table in SYNCED_TABLES:
        await schema_editor.client.execute_script(
            f"UPDATE {table} SET updated_at = created_at WHERE updated_at IS NULL"
        )

class Migration(migrations.Migration):
    dependencies = [('core', '0003_domain_verification')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiClient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=200)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('secret_hash', fields.CharField(max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.CharField(default='', max_length=254)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_client', 'app': 'core', 'pk_attr': 'id', 'table_description': 'An API client of the business: its public client id, hashed secret and allowed scopes.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('client', fields.ForeignKeyField('core.ApiClient', source_field='client_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A bearer token issued to a client: its digest, scopes and expiry.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('client', fields.ForeignKeyField('core.ApiClient', source_field='client_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('status', fields.IntField(null=True)),
                ('body', fields.TextField(default='', unique=False)),
                ('headers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'api_idempotency', 'app': 'core', 'unique_together': (('client', 'key'),), 'pk_attr': 'id', 'table_description': 'The first response to a POST with an Idempotency-Key, replayed for a repeat of it.'},
            bases=['TenantModel'],
        ),
        ops.AddField(
            model_name='Attachment',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='Attachment',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Attachment',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='Contact',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='Contact',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Contact',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='CustomerAccount',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='CustomerAccount',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='CustomerAccount',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='Invoice',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='Invoice',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Invoice',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='Job',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='Job',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Job',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='Note',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='Note',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Note',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='Visit',
            name='external_id',
            field=fields.CharField(null=True, max_length=120),
        ),
        ops.AddField(
            model_name='Visit',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        ops.AddConstraint(
            model_name='Visit',
            constraint=UniqueConstraint(fields=('tenant', 'external_id'), name=None),
        ),
        ops.RunPython(updated_at_from_created_at, ops.RunPython.noop),
    ]
