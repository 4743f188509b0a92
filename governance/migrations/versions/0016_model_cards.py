"""Model cards (each change kept: the newest is the card) and versions of models, prompts, agents
and guardrail policies (a content hash, who, when), recorded when their content changes.

Revision ID: 0016
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_cards",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_model_cards_model", "model_cards", ["model"])
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_config_versions_kind_name", "config_versions", ["kind", "name"])


def downgrade() -> None:
    op.drop_index("ix_config_versions_kind_name", "config_versions")
    op.drop_table("config_versions")
    op.drop_index("ix_model_cards_model", "model_cards")
    op.drop_table("model_cards")
