"""0007: each portal login's and staff member's own language (issue 17)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0006_list_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PortalLogin',
            name='language',
            field=fields.CharField(null=True, max_length=8),
        ),
        ops.AddField(
            model_name='StaffUser',
            name='language',
            field=fields.CharField(null=True, max_length=8),
        ),
    ]
