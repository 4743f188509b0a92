"""The request log records each call's data classes, the location that served it and the residency decision.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request_log") as batch:
        batch.add_column(sa.Column("data_classes", sa.String(64), nullable=True))
        batch.add_column(sa.Column("location", sa.String(64), nullable=True))
        batch.add_column(sa.Column("residency", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_log") as batch:
        batch.drop_column("residency")
        batch.drop_column("location")
        batch.drop_column("data_classes")
