"""API keys carry a scope: `tenant` (confined to their tenant) or `platform` (every tenant).

Existing keys become `tenant` keys, admins included: an admin key of a tenant no longer reaches
other tenants. The one exception is the key `socle serve` made on first start (`ensure_admin`:
the oldest key, named `admin`, of tenant `default`, role `admin`), which stays the platform admin.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FIRST_START_KEY = sa.text(
    "UPDATE api_keys SET scope = 'platform' "
    "WHERE name = 'admin' AND tenant_id = 'default' AND role = 'admin' AND key_id = ("
    "  SELECT key_id FROM api_keys ORDER BY created_at, key_id LIMIT 1"
    ")"
)


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("scope", sa.String(20), nullable=False, server_default="tenant"))
    op.execute(_FIRST_START_KEY)


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scope")
