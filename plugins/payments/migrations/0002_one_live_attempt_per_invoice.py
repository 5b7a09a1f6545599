from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('core', '0003_domain_verification'), ('payments', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AttemptInvoice',
            name='live_invoice',
            field=fields.ForeignKeyField('core.Invoice', source_field='live_invoice_id', null=True, db_constraint=True, to_field='id', related_name='live_attempt_lines', on_delete=OnDelete.CASCADE),
        ),
        ops.AddConstraint(
            model_name='AttemptInvoice',
            constraint=UniqueConstraint(fields=('tenant', 'live_invoice'), name=None),
        ),
        ops.AddField(
            model_name='PaymentAttempt',
            name='stripe_key',
            field=fields.CharField(default='', max_length=80),
        ),
    ]
