"""summaries: maintained funnel counts (per cohort, county, institution and stage) and their members;
reminder kind institution_request (the institution's one-click reminder, recorded per physician)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('summary_member',
    sa.Column('physician_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cohort_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.SmallInteger(), nullable=False),
    sa.Column('not_activated', sa.SmallInteger(), nullable=False),
    sa.Column('no_application', sa.SmallInteger(), nullable=False),
    sa.Column('returned', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('physician_id', 'cohort_year')
    )
    op.create_index('ix_summary_member_group', 'summary_member', ['cohort_year', 'institution_id'], unique=False)
    op.create_table('summary_funnel',
    sa.Column('cohort_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('institution_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('stage', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('physicians', sa.Integer(), nullable=False),
    sa.Column('not_activated', sa.Integer(), nullable=False),
    sa.Column('no_application', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_year', 'region_code', 'institution_id', 'stage')
    )
    op.create_table('summary_qualified',
    sa.Column('exam_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('province_code', sa.String(length=6), nullable=False),
    sa.Column('qualifications', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('exam_year', 'province_code')
    )
    op.create_table('summary_application_key',
    sa.Column('application_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('dim', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('application_id', 'dim', 'key')
    )
    op.create_table('summary_submitted',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('bucket', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('dim', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'grain', 'bucket', 'region_code', 'dim', 'key')
    )
    # count the rows already there (set-based; the same as `flask summaries rebuild`)
    from app.summaries.rebuild import rebuild

    rebuild(op.get_bind())


    _reminder_kinds(KINDS + ('institution_request',))


KINDS = ('window_closing', 'confirmation_waiting', 'review_digest')


def _reminder_kinds(kinds):
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_constraint('kind_valid', type_='check')
        batch_op.create_check_constraint('kind_valid', 'kind IN (' + ', '.join(f"'{k}'" for k in kinds) + ')')


def downgrade():
    op.drop_table('summary_submitted')
    op.drop_table('summary_application_key')
    op.execute("DELETE FROM reminder WHERE kind = 'institution_request'")
    _reminder_kinds(KINDS)
    op.drop_table('summary_qualified')
    op.drop_table('summary_funnel')
    op.drop_index('ix_summary_member_group', table_name='summary_member')
    op.drop_table('summary_member')
