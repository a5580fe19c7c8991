"""The grading ledger: one row per module and learner, shared by every grading run and machine.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "netmarketing_grading",
        sa.Column("module", sa.String(128), primary_key=True),
        sa.Column("student", sa.String(128), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("record", sa.Text, nullable=True),
        sa.Column("graded_at", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_at", sa.Float, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("netmarketing_grading")
