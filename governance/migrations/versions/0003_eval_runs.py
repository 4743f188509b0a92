"""Evaluation runs: who ran which suite on which code, config and models, its metrics, its gate.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("suite", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("git_revision", sa.String(64), nullable=True),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("model_versions", sa.Text, nullable=False),
        sa.Column("metrics", sa.Text, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("options", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_eval_runs_suite_started", "eval_runs", ["suite", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_eval_runs_suite_started", "eval_runs")
    op.drop_table("eval_runs")
