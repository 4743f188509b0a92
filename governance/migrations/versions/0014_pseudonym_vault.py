"""The pseudonym vault moves into the database, so every replica restores every conversation.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudonym_vault",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("blob", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_pseudonym_vault_expires_at", "pseudonym_vault", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_pseudonym_vault_expires_at", "pseudonym_vault")
    op.drop_table("pseudonym_vault")
