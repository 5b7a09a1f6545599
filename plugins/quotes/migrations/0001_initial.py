from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Quote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('account', fields.ForeignKeyField('core.CustomerAccount', source_field='account_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('job', fields.ForeignKeyField('core.Job', source_field='job_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('number', fields.CharField(max_length=40)),
                ('title', fields.CharField(max_length=200)),
                ('status', fields.CharField(default='draft', db_index=True, max_length=20)),
                ('revision', fields.IntField(default=0)),
                ('valid_until', fields.DateField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('total_minor', fields.BigIntField(default=0)),
                ('created_by', fields.ForeignKeyField('core.StaffUser', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_by_name', fields.CharField(default='', max_length=200)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('invoice', fields.ForeignKeyField('core.Invoice', source_field='invoice_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'quotes_quote', 'app': 'quotes', 'unique_together': (('tenant', 'number'),), 'pk_attr': 'id', 'table_description': 'An estimate for a job, or for an opportunity (work not booked yet: ``job`` is None).'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='QuoteMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('quote', fields.ForeignKeyField('quotes.Quote', source_field='quote_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('revision', fields.IntField()),
                ('kind', fields.CharField(max_length=10)),
                ('author', fields.CharField(max_length=254)),
                ('body', fields.TextField(unique=False)),
            ],
            options={'table': 'quotes_message', 'app': 'quotes', 'pk_attr': 'id', 'table_description': 'A question, or a request for changes, that a customer sent about a quote.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='QuoteRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('quote', fields.ForeignKeyField('quotes.Quote', source_field='quote_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('status', fields.CharField(default='draft', max_length=20)),
                ('title', fields.CharField(max_length=200)),
                ('notes', fields.TextField(default='', unique=False)),
                ('valid_until', fields.DateField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('subtotal_minor', fields.BigIntField(default=0)),
                ('tax_minor', fields.BigIntField(default=0)),
                ('total_minor', fields.BigIntField(default=0)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('viewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(default='', max_length=254)),
                ('signature_name', fields.CharField(default='', max_length=200)),
                ('decision_ip', fields.CharField(default='', max_length=64)),
                ('decision_user_agent', fields.CharField(default='', max_length=300)),
                ('decision_message', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'quotes_revision', 'app': 'quotes', 'unique_together': (('quote', 'number'),), 'pk_attr': 'id', 'table_description': 'One version of a quote: what was offered, and what the customer decided on it.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='QuoteLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revision', fields.ForeignKeyField('quotes.QuoteRevision', source_field='revision_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('description', fields.CharField(max_length=300)),
                ('quantity_milli', fields.IntField(default=1000)),
                ('unit_price_minor', fields.BigIntField()),
                ('amount_minor', fields.BigIntField()),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'quotes_line', 'app': 'quotes', 'pk_attr': 'id', 'table_description': 'A priced line of one revision: the amount is computed, never typed.'},
            bases=['TenantModel'],
        ),
    ]
