"""application events: an index on (created_at, id), so the audit log reads a page from the index

Revision ID: 0010
Revises: 0007
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.create_index('ix_application_event_time', ['created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.drop_index('ix_application_event_time')
