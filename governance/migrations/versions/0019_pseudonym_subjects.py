"""The pseudonym vault's index by data subject, so erasure finds a person's conversations.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudonym_subjects",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pseudonym_subjects")
