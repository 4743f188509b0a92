"""The console: hourly rollups of the request log (filled from the rows already there), and indexes
for reading one request, one key's requests and a time window across tenants.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_index("ix_request_log_created", "request_log", ["created_at"])
    op.create_index("ix_request_log_request_id", "request_log", ["request_id"])
    op.create_index("ix_request_log_key_created", "request_log", ["key_id", "created_at"])
    op.create_table(
        "request_rollup",
        sa.Column("hour", sa.String(13), primary_key=True),
        sa.Column("tenant_id", sa.String(200), primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(400), primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("removed_claims", sa.Integer, nullable=False),
    )
    _backfill()


def _backfill() -> None:
    """Roll up the rows logged before this revision, 5,000 at a time (the code the server writes with)."""
    from socle.governance._rollup import deltas, upsert
    from socle.governance._tables import request_log
    from socle.governance.sql import SqlStore

    conn = op.get_bind()
    last = 0
    while True:
        query = sa.select(request_log).where(request_log.c.id > last).order_by(request_log.c.id).limit(5000)
        rows = conn.execute(query).mappings().all()
        if not rows:
            return
        last = rows[-1]["id"]
        conn.execute(upsert(conn.dialect.name), deltas([SqlStore._record(row) for row in rows]))


def downgrade() -> None:
    op.drop_table("request_rollup")
    op.drop_index("ix_request_log_key_created", table_name="request_log")
    op.drop_index("ix_request_log_request_id", table_name="request_log")
    op.drop_index("ix_request_log_created", table_name="request_log")
