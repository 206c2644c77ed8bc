"""reminders: one record per kind, recipient and occasion (unique), written with its outbox messages

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipient_type', sa.String(length=11), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.String(length=64), nullable=True),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('window_closing', 'confirmation_waiting', 'review_digest')", name='kind_valid'),
    sa.CheckConstraint("recipient_type IN ('physician', 'institution', 'user')", name='recipient_type_valid'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'recipient_type', 'recipient_id', 'key', name='uq_reminder_once')
    )
    op.create_index('ix_reminder_created', 'reminder', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_reminder_created', table_name='reminder')
    op.drop_table('reminder')
