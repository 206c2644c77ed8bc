"""applications: an index on the running deadline of open applications (the queues' order)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('draft', 'submitted', 'returned', 'pending_acceptance', 'correction', 'accepted')")
WAITING_DUE = sa.text("(CASE WHEN status = 'accepted' THEN decide_due ELSE accept_due END)")


def upgrade():
    op.create_index('ix_application_waiting', 'application', [WAITING_DUE, 'submitted_at', 'id'], unique=False,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index('ix_application_waiting', table_name='application')
