from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]  # needs only Tenant and Visit

    initial = True

    operations = [
        ops.CreateModel(
            name='Measure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=100)),
                ('unit', fields.CharField(default='', max_length=20)),
                ('target_min_milli', fields.BigIntField(null=True)),
                ('target_max_milli', fields.BigIntField(null=True)),
                ('position', fields.IntField(default=0)),
                ('active', fields.BooleanField(default=True)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'readings_measure', 'app': 'readings', 'unique_together': (('tenant', 'name'),), 'pk_attr': 'id', 'table_description': 'Something technicians measure at a visit, with its unit and target range.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='Reading',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('visit', fields.ForeignKeyField('core.Visit', source_field='visit_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('measure', fields.ForeignKeyField('readings.Measure', source_field='measure_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('value_milli', fields.BigIntField()),
                ('taken_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('taken_by', fields.CharField(default='', max_length=200)),
                ('external_id', fields.CharField(null=True, max_length=120)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'readings_reading', 'app': 'readings', 'unique_together': (('visit', 'measure'), ('tenant', 'external_id')), 'pk_attr': 'id', 'table_description': 'One value of one measure taken at a visit (one per measure and visit).'},
            bases=['TenantModel'],
        ),
    ]
