from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0002_invites')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Dispute',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('stripe_id', fields.CharField(max_length=255)),
                ('payment', fields.ForeignKeyField('core.Payment', source_field='payment_id', null=True, db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.SET_NULL)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('reason', fields.CharField(default='', max_length=60)),
                ('status', fields.CharField(default='', max_length=40)),
            ],
            options={'table': 'payments_dispute', 'app': 'payments', 'unique_together': (('tenant', 'stripe_id'),), 'pk_attr': 'id', 'table_description': "A chargeback the customer's bank opened on a card payment."},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='PaymentAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('account', fields.ForeignKeyField('core.CustomerAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='payment_attempts', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='card', max_length=10)),
                ('key', fields.CharField(max_length=80)),
                ('autopay_key', fields.CharField(null=True, max_length=120)),
                ('stripe_id', fields.CharField(null=True, max_length=255)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharField(default='created', db_index=True, max_length=30)),
                ('payment_method', fields.CharField(default='', max_length=255)),
                ('card_brand', fields.CharField(default='', max_length=20)),
                ('card_last4', fields.CharField(default='', max_length=4)),
                ('failure_code', fields.CharField(default='', max_length=60)),
                ('failure_message', fields.CharField(default='', max_length=500)),
                ('started_by', fields.CharField(default='', max_length=320)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payments_attempt', 'app': 'payments', 'unique_together': (('tenant', 'key'), ('tenant', 'autopay_key'), ('tenant', 'stripe_id')), 'pk_attr': 'id', 'table_description': 'One try at taking money for one or more invoices, as one PaymentIntent.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='AttemptInvoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('attempt', fields.ForeignKeyField('payments.PaymentAttempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.CASCADE)),
                ('invoice', fields.ForeignKeyField('core.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='payment_attempts', on_delete=OnDelete.CASCADE)),
                ('amount_minor', fields.BigIntField()),
                ('payment', fields.ForeignKeyField('core.Payment', source_field='payment_id', null=True, db_constraint=True, to_field='id', related_name='attempt_lines', on_delete=OnDelete.SET_NULL)),
                ('result', fields.CharField(default='', max_length=20)),
            ],
            options={'table': 'payments_attempt_invoice', 'app': 'payments', 'unique_together': (('attempt', 'invoice'),), 'pk_attr': 'id', 'table_description': 'An invoice an attempt pays, the amount for it, and the core payment it became.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='SavedCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('account', fields.ForeignKeyField('core.CustomerAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='saved_cards', on_delete=OnDelete.CASCADE)),
                ('stripe_id', fields.CharField(max_length=255)),
                ('brand', fields.CharField(default='', max_length=20)),
                ('last4', fields.CharField(default='', max_length=4)),
                ('exp_month', fields.SmallIntField(default=0)),
                ('exp_year', fields.SmallIntField(default=0)),
                ('is_default', fields.BooleanField(default=False)),
                ('added_by', fields.CharField(default='', max_length=320)),
            ],
            options={'table': 'payments_saved_card', 'app': 'payments', 'unique_together': (('tenant', 'stripe_id'),), 'pk_attr': 'id', 'table_description': "A card on file: a Stripe payment method attached to the account's Stripe customer."},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='StripeCustomer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('account', fields.OneToOneField('core.CustomerAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='stripe_customer', on_delete=OnDelete.CASCADE)),
                ('stripe_id', fields.CharField(max_length=255)),
                ('default_payment_method', fields.CharField(default='', max_length=255)),
                ('autopay', fields.BooleanField(default=False)),
                ('autopay_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('autopay_changed_by', fields.CharField(default='', max_length=320)),
            ],
            options={'table': 'payments_stripe_customer', 'app': 'payments', 'unique_together': (('tenant', 'stripe_id'),), 'pk_attr': 'id', 'table_description': 'The Stripe customer behind one customer account, and its AutoPay choice.'},
            bases=['TenantModel'],
        ),
        ops.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tenant', fields.ForeignKeyField('core.Tenant', source_field='tenant_id', db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('stripe_id', fields.CharField(max_length=255)),
                ('type', fields.CharField(max_length=100)),
                ('livemode', fields.BooleanField(default=False)),
                ('result', fields.CharField(default='', max_length=40)),
            ],
            options={'table': 'payments_webhook_event', 'app': 'payments', 'unique_together': (('tenant', 'stripe_id'),), 'pk_attr': 'id', 'table_description': "A Stripe event this tenant's endpoint applied (or ignored), kept so a replay changes nothing."},
            bases=['TenantModel'],
        ),
    ]
