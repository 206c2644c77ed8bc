"""working-day calendar kept by the commission; serial counters of practice certificate numbers

Revision ID: 0005
Revises: 0004_privacy_consent
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004_privacy_consent'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workday_entry',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('workday_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('certificate_serial',
    sa.Column('prefix', sa.String(length=9), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix')
    )


def downgrade():
    op.drop_table('certificate_serial')
    op.drop_table('workday_year')
    op.drop_table('workday_entry')
