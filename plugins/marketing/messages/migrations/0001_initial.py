from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0002_invites')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Thread',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('account', fields.ForeignKeyField('core.CustomerAccount', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('job', fields.ForeignKeyField('core.Job', source_field='job_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('subject', fields.CharField(default='', max_length=200)),
                ('origin_key', fields.CharField(null=True, max_length=64)),
                ('last_seq', fields.IntField(default=0)),
                ('last_message_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('customer_messages', fields.IntField(default=0)),
                ('staff_messages', fields.IntField(default=0)),
                ('staff_read', fields.IntField(default=0)),
                ('customer_read', fields.IntField(default=0)),
            ],
            options={'table': 'marketing_thread', 'app': 'marketing_messages', 'unique_together': (('tenant', 'account', 'job'), ('tenant', 'account', 'origin_key')), 'pk_attr': 'id'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('thread', fields.ForeignKeyField('marketing_messages.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('seq', fields.IntField()),
                ('author_kind', fields.CharField(max_length=10)),
                ('author_email', fields.CharField(default='', max_length=254)),
                ('author_name', fields.CharField(default='', max_length=200)),
                ('staff', fields.ForeignKeyField('core.StaffUser', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('body', fields.TextField(unique=False)),
                ('client_key', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'marketing_message', 'app': 'marketing_messages', 'unique_together': (('thread', 'seq'), ('thread', 'client_key')), 'pk_attr': 'id'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='MessageFile',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('message', fields.ForeignKeyField('marketing_messages.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='files', on_delete=OnDelete.CASCADE)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.BigIntField(default=0)),
                ('storage_key', fields.CharField(max_length=300)),
            ],
            options={'table': 'marketing_message_file', 'app': 'marketing_messages', 'pk_attr': 'id', 'table_description': 'A picture sent with a message, kept in the tenant storage and served only to whoever may read the thread.'},
            bases=['TenantModel'],
        ),
    ]
