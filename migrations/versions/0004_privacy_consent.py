"""privacy consent of a sign-up (physician.privacy_consent_at, privacy_notice_version)

Revision ID: 0004_privacy_consent
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_privacy_consent'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('physician', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_consent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('privacy_notice_version', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('physician', schema=None) as batch_op:
        batch_op.drop_column('privacy_notice_version')
        batch_op.drop_column('privacy_consent_at')
