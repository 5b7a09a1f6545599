from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

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
    ]
