"""The console reads the request log by time across tenants, and one request by its id: both indexed.

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_request_log_created", "request_log", ["created_at"])
    op.create_index("ix_request_log_request_id", "request_log", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_request_log_request_id", table_name="request_log")
    op.drop_index("ix_request_log_created", table_name="request_log")
