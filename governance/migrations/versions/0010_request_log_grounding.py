"""The request log records each grounded answer's outcome and how many claims were cut (never text).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request_log") as batch:
        batch.add_column(sa.Column("grounding", sa.String(16), nullable=True))
        batch.add_column(sa.Column("removed_claims", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_log") as batch:
        batch.drop_column("removed_claims")
        batch.drop_column("grounding")
