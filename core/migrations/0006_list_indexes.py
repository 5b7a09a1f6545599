"""0006: composite indexes for the portal's per-account lists, balances and job pages, and the console's invoice and job lists (issue 13)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0005_webhooks')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Attachment',
            index=Index(fields=['tenant_id', 'job_id', 'created_at'], name='attachment_job'),
        ),
        ops.AddIndex(
            model_name='Attachment',
            index=Index(fields=['tenant_id', 'visit_id', 'created_at'], name='attachment_visit'),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['tenant_id', 'account_id', 'issued_on', 'id'], name='invoice_account_issued'),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['tenant_id', 'account_id', 'status', 'due_on'], name='invoice_account_status_due'),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['tenant_id', 'job_id'], name='invoice_job'),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['tenant_id', 'id'], name='invoice_tenant_id'),
        ),
        ops.AddIndex(
            model_name='InvoiceLine',
            index=Index(fields=['tenant_id', 'invoice_id', 'position'], name='invoice_line_invoice'),
        ),
        ops.AddIndex(
            model_name='Job',
            index=Index(fields=['tenant_id', 'account_id', 'scheduled_start', 'id'], name='job_account_scheduled'),
        ),
        ops.AddIndex(
            model_name='Job',
            index=Index(fields=['tenant_id', 'account_id', 'status', 'scheduled_start'], name='job_account_status_scheduled'),
        ),
        ops.AddIndex(
            model_name='Job',
            index=Index(fields=['tenant_id', 'scheduled_start', 'id'], name='job_scheduled'),
        ),
        ops.AddIndex(
            model_name='JobCharge',
            index=Index(fields=['tenant_id', 'job_id', 'position'], name='job_charge_job'),
        ),
        ops.AddIndex(
            model_name='Note',
            index=Index(fields=['tenant_id', 'job_id'], name='note_job'),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['tenant_id', 'account_id', 'received_at', 'id'], name='payment_account_received'),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['tenant_id', 'invoice_id'], name='payment_invoice'),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['tenant_id', 'job_id', 'completed_at'], name='visit_job_completed'),
        ),
        ops.AddIndex(
            model_name='Visit',
            index=Index(fields=['tenant_id', 'completed_at', 'id'], name='visit_completed'),
        ),
    ]
