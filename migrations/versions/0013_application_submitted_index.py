"""applications: an index on (submitted_at, id) for the lists behind the dashboard's numbers; the two
per-status deadline indexes of 0011 give way to ix_application_waiting (0012), which covers both

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_application_submitted', 'application', ['submitted_at', 'id'], unique=False)
    op.drop_index('ix_application_decide_due', table_name='application')
    op.drop_index('ix_application_accept_due', table_name='application')


def downgrade():
    op.create_index('ix_application_accept_due', 'application', ['accept_due', 'id'], unique=False,
                    sqlite_where=sa.text("status = 'pending_acceptance'"),
                    postgresql_where=sa.text("status = 'pending_acceptance'"))
    op.create_index('ix_application_decide_due', 'application', ['decide_due', 'id'], unique=False,
                    sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
    op.drop_index('ix_application_submitted', table_name='application')
