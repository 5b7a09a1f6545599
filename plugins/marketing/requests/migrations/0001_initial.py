from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0002_invites')]

    initial = True

    operations = [
        ops.CreateModel(
            name='ServiceRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('account', fields.ForeignKeyField('core.CustomerAccount', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('what', fields.CharField(max_length=200)),
                ('details', fields.TextField(default='', unique=False)),
                ('address', fields.TextField(default='', unique=False)),
                ('preferred_1', fields.DateField(null=True)),
                ('preferred_2', fields.DateField(null=True)),
                ('preferred_3', fields.DateField(null=True)),
                ('status', fields.CharField(default='new', db_index=True, max_length=20)),
                ('requested_by', fields.CharField(max_length=254)),
                ('form_key', fields.CharField(max_length=64)),
                ('job', fields.ForeignKeyField('core.Job', source_field='job_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('decline_reason', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'marketing_request', 'app': 'marketing_requests', 'unique_together': (('tenant', 'form_key'),), 'pk_attr': 'id', 'table_description': 'A request for new work, from a customer account.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='RequestAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('request', fields.ForeignKeyField('marketing_requests.ServiceRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('author_name', fields.CharField(default='', max_length=200)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'marketing_request_answer', 'app': 'marketing_requests', 'pk_attr': 'id', 'table_description': 'What staff wrote to the customer about a request (answers and decline reasons).'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='RequestPhoto',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('request', fields.ForeignKeyField('marketing_requests.ServiceRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.BigIntField(default=0)),
                ('storage_key', fields.CharField(max_length=300)),
            ],
            options={'table': 'marketing_request_photo', 'app': 'marketing_requests', 'pk_attr': 'id', 'table_description': 'A picture the customer attached to a request (PNG, JPEG or WebP, checked on upload).'},
            bases=['TenantModel'],
        ),
    ]
