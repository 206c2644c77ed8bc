"""信息变更 requests (profile_change): at most one pending request per physician

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('profile_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('physician_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('requested', sa.JSON(), nullable=False),
    sa.Column('previous', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'returned', 'withdrawn')", name='status_valid'),
    sa.ForeignKeyConstraint(['created_by'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['physician_id'], ['physician.id'], ),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('profile_change', schema=None) as batch_op:
        batch_op.create_index('ix_profile_change_institution', ['institution_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_profile_change_physician', ['physician_id', 'id'], unique=False)
        batch_op.create_index('ix_profile_change_region', ['region_code', 'status', 'id'], unique=False)
        batch_op.create_index('uq_profile_change_pending', ['physician_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade():
    with op.batch_alter_table('profile_change', schema=None) as batch_op:
        batch_op.drop_index('uq_profile_change_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_profile_change_region')
        batch_op.drop_index('ix_profile_change_physician')
        batch_op.drop_index('ix_profile_change_institution')

    op.drop_table('profile_change')
