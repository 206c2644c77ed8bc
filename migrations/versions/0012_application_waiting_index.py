"""applications: an index on the running deadline of 待受理 and 已受理 applications (the commission queue's order)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

WAITING = sa.text("status IN ('pending_acceptance', 'accepted')")
WAITING_DUE = sa.text("(CASE WHEN status = 'accepted' THEN decide_due ELSE accept_due END)")


def upgrade():
    op.create_index('ix_application_waiting', 'application', [WAITING_DUE, 'submitted_at', 'id'], unique=False,
                    sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade():
    op.drop_index('ix_application_waiting', table_name='application')
