"""applications: an index on (submitted_at, id) for the lists behind the dashboard's numbers

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_application_submitted', 'application', ['submitted_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_application_submitted', table_name='application')
