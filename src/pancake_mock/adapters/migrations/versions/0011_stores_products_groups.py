"""stores keep their settings and a soft delete; products their production version; groups

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

update-store writes a store's logo and settings, delete-store stamps `deleted_at`. A product's
`prod_version` is the version publish-product copied to production: every product made before
was sold in production as it is, so it starts published at its current version. A billing period
belongs to a product's version (a change makes a new one), and subscription product groups get
their table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as stores:
        for name in ("logo", "support_email", "website"):
            stores.add_column(sa.Column(name, sa.String(), nullable=True))
        for name in ("notification_settings", "checkout_settings"):
            stores.add_column(sa.Column(name, sa.JSON(), nullable=True))
        stores.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("product_versions") as versions:
        versions.add_column(sa.Column("billing_period", sa.String(), nullable=True))
    op.execute("UPDATE product_versions SET billing_period = (SELECT products.billing_period FROM products"
               " WHERE products.id = product_versions.product_id)")
    with op.batch_alter_table("products") as products:
        products.add_column(sa.Column("prod_version", sa.Integer(), nullable=True))
        products.drop_column("billing_period")
    op.execute("UPDATE products SET prod_version = version")
    op.create_table(
        "product_groups",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("store_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", "environment"),
    )
    op.create_index("ix_product_groups_store_id", "product_groups", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_product_groups_store_id", table_name="product_groups")
    op.drop_table("product_groups")
    with op.batch_alter_table("products") as products:
        products.add_column(sa.Column("billing_period", sa.String(), nullable=True))
        products.drop_column("prod_version")
    op.execute("UPDATE products SET billing_period = (SELECT product_versions.billing_period FROM product_versions"
               " WHERE product_versions.product_id = products.id AND product_versions.number = products.version)")
    with op.batch_alter_table("product_versions") as versions:
        versions.drop_column("billing_period")
    with op.batch_alter_table("stores") as stores:
        for name in ("deleted_at", "checkout_settings", "notification_settings", "website", "support_email", "logo"):
            stores.drop_column(name)
