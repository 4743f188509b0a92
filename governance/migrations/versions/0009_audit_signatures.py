"""Audit records are signed: each row names its hash scheme, and the key that signed its hash.

Rows written before this migration keep scheme 1 (hashed the old way, unsigned); see
`socle.governance.audit`.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("scheme", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("signature")
        batch.drop_column("key_id")
        batch.drop_column("scheme")
