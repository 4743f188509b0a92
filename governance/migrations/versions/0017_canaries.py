"""Canary rollouts: a candidate model's share of a production model's traffic, and its judgement.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canaries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("candidate", sa.String(200), nullable=False),
        sa.Column("production", sa.String(200), nullable=False),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("looks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("alpha_spent", sa.Float, nullable=False, server_default="0"),
        sa.Column("comparison", sa.Text, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_canaries_production", "canaries", ["production"])


def downgrade() -> None:
    op.drop_index("ix_canaries_production", "canaries")
    op.drop_table("canaries")
