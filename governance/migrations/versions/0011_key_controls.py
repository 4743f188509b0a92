"""API keys get an expiry, their own rate limits and the models and agents they may call.

All nullable: existing keys never expire, use the configured default limits and may call every
model and agent, as before. New roles (operator, auditor, approver) need no column change.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rpm", sa.Integer, nullable=True))
        batch.add_column(sa.Column("tpm", sa.Integer, nullable=True))
        batch.add_column(sa.Column("models", sa.Text, nullable=True))
        batch.add_column(sa.Column("agents", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        for name in ("agents", "models", "tpm", "rpm", "expires_at"):
            batch.drop_column(name)
