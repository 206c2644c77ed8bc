"""applications: partial indexes (accept_due, id) of 待受理 and (decide_due, id) of 已受理, for the overdue lists

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending_acceptance'")
ACCEPTED = sa.text("status = 'accepted'")


def upgrade():
    op.create_index('ix_application_accept_due', 'application', ['accept_due', 'id'], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_index('ix_application_decide_due', 'application', ['decide_due', 'id'], unique=False,
                    sqlite_where=ACCEPTED, postgresql_where=ACCEPTED)


def downgrade():
    op.drop_index('ix_application_decide_due', table_name='application')
    op.drop_index('ix_application_accept_due', table_name='application')
