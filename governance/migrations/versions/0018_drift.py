"""Drift detection: samples of prompt embeddings and retrieval scores, and each signal's state.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_samples",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("signal", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("vector", sa.Text, nullable=True),
    )
    op.create_index("ix_drift_samples_signal_created", "drift_samples", ["signal", "created_at"])
    op.create_table(
        "drift_signals",
        sa.Column("signal", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("reference_n", sa.Integer, nullable=False),
        sa.Column("current_n", sa.Integer, nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("drift_signals")
    op.drop_index("ix_drift_samples_signal_created", "drift_samples")
    op.drop_table("drift_samples")
