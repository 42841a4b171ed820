"""The store's tables: the mock's API state and the fake PSP's records, in one database, so a change
and the PSP records it causes commit in one transaction (the PSP's part of the outbox).

Value objects inside a row (prices, billing detail, a price snapshot) are JSON columns holding the
domain dataclass under its own snake_case names. Migrations (adapters/migrations) move a database
from one version of these tables to the next; a test holds them equal.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)

from .. import codec
from ..domain.model import (CardInfo, Challenge, CheckoutSettings, GroupRules, NotificationSettings, PlanChange,
                            PriceInfo, SessionOptions)
from ..domain.tax.model import BillingDetail, TaxResult


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)

    # SQLite keeps a datetime as the text SQLAlchemy's DATETIME writes, "2026-12-01 10:28:36.000000"
    # (always six digits, so text order is time order), and reads it back with a regular
    # expression; the same text through the C isoformat functions costs a tenth.
    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return lambda value: None if value is None else \
            value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return lambda value: None if value is None else datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


class Typed(TypeDecorator):
    """A JSON column holding one domain value type (dataclasses, Decimals as exact strings). It is
    written by the engine's JSON serializer, codec.json_text, and read back into the type here."""

    impl = JSON
    cache_ok = True

    def __init__(self, kind: Any):
        super().__init__()
        self.kind = kind

    def process_result_value(self, value, dialect):
        return None if value is None else codec.load(self.kind, value, codec.same)


metadata = MetaData()
merchants = Table(
    "merchants",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", String, nullable=False, index=True),
    Column("environment", String, nullable=False),
    Column("public_key_pem", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
stores = Table(
    "stores",
    metadata,
    Column("id", String, primary_key=True),
    Column("merchant_id", String, nullable=False, index=True),
    Column("name", String, nullable=False),
    Column("slug", String, nullable=False, unique=True),
    Column("status", String, nullable=False),
    Column("prod_enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("logo", String),
    Column("support_email", String),
    Column("website", String),
    Column("notification_settings", Typed(NotificationSettings)),
    Column("checkout_settings", Typed(CheckoutSettings)),
    Column("deleted_at", UtcDateTime),
)
products = Table(
    "products",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False, index=True),
    Column("type", String, nullable=False),
    Column("status", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("prod_version", Integer),
)
# A group's test copy and, once published, its production copy, under one id.
product_groups = Table(
    "product_groups",
    metadata,
    Column("id", String, primary_key=True),
    Column("environment", String, primary_key=True),
    Column("store_id", String, nullable=False, index=True),
    Column("name", String, nullable=False),
    Column("description", String),
    Column("rules", Typed(GroupRules), nullable=False),
    Column("product_ids", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
product_versions = Table(
    "product_versions",
    metadata,
    Column("product_id", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("description", String),
    Column("prices", Typed(dict[str, PriceInfo]), nullable=False),
    Column("media", JSON, nullable=False),
    Column("success_url", String),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("billing_period", String),
)
checkout_sessions = Table(
    "checkout_sessions",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False),
    Column("product_id", String, nullable=False),
    Column("product_type", String, nullable=False),
    Column("product_version", Integer, nullable=False),
    Column("environment", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("price", Typed(PriceInfo), nullable=False),
    Column("status", String, nullable=False),
    Column("buyer_email", String),
    Column("billing_detail", Typed(BillingDetail)),
    Column("success_url", String),
    Column("metadata", JSON, nullable=False),
    Column("order_merchant_external_id", String),
    Column("options", Typed(SessionOptions), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("plan_change", Typed(PlanChange)),
)
session_tokens = Table(
    "session_tokens",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False),
    Column("buyer_identity", String, nullable=False),
    Column("role", String, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)
orders = Table(
    "orders",
    metadata,
    Column("id", String, primary_key=True),
    Column("type", String, nullable=False),
    Column("status", String, nullable=False),
    # One order per checkout session, whatever the callers race.
    Column("checkout_session_id", String, nullable=False, unique=True),
    Column("store_id", String, nullable=False),
    Column("product_id", String, nullable=False),
    Column("product_version", Integer, nullable=False),
    Column("environment", String, nullable=False),
    Column("buyer_email", String, nullable=False),
    Column("buyer_ip", String),
    Column("billing_detail", Typed(BillingDetail), nullable=False),
    Column("currency", String, nullable=False),
    Column("price_snapshot", Typed(TaxResult), nullable=False),
    Column("success_url", String),
    Column("metadata", JSON, nullable=False),
    Column("order_merchant_external_id", String),
    Column("payment_id", String),
    Column("checkout_url", String),
    Column("created_at", UtcDateTime, nullable=False),
    Column("buyer_identity", String),
    Column("updated_at", UtcDateTime),
    Column("special_phase", Typed(TaxResult)),
    Column("special_phase_days", Integer),
    # The control plane pages through them in this order, all of them or by status.
    Index("orders_by_creation", "created_at", "id"),
    Index("orders_by_status", "status", "created_at", "id"),
    # A buyer's orders in a store (preview-trial asks whether a trial was used).
    Index("orders_by_buyer_identity", "store_id", "buyer_identity"),
    Index("orders_by_buyer_email", "store_id", "buyer_email"),
)
payments = Table(
    "payments",
    metadata,
    Column("id", String, primary_key=True),
    Column("order_id", String, nullable=False),
    Column("status", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("amount", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The card a settled payment was made with (never its number), and why a failed one failed.
    Column("card", Typed(CardInfo)),
    Column("failure_reason", String),
    Column("updated_at", UtcDateTime),
    # An order's payments, oldest first (the control plane shows them; GraphQL will too).
    Index("payments_by_order", "order_id", "created_at", "id"),
    # Every payment in creation order, either way (the control plane's list, the dashboard's newest).
    Index("payments_by_creation", "created_at", "id"),
)
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("order_id", String, primary_key=True),
    Column("billing_period", String, nullable=False),
    Column("anchor", UtcDateTime, nullable=False),
    Column("period_number", Integer, nullable=False),
    Column("regular_periods", Integer, nullable=False),  # begun at the regular price
    Column("current_period_start", UtcDateTime, nullable=False),
    Column("current_period_end", UtcDateTime, nullable=False),
    Column("card", Typed(CardInfo), nullable=False),
    Column("due", UtcDateTime),
    Column("renewal_decline", String),
    Column("failing_renewals", Integer, nullable=False),
    Column("retrying", Boolean, nullable=False),
    Column("canceled_at", UtcDateTime),
    Column("pending_change", String),
    Column("pending_price", Typed(TaxResult)),
    Column("credit", String, nullable=False),
    # What the business clock has reached, in the order it is reached.
    Index("subscriptions_by_due", "due", "order_id"),
)
refund_tickets = Table(
    "refund_tickets",
    metadata,
    Column("id", String, primary_key=True),
    Column("payment_id", String, nullable=False, index=True),
    Column("store_id", String, nullable=False),
    Column("environment", String, nullable=False),
    Column("status", String, nullable=False),
    Column("submitter_id", String, nullable=False),
    Column("submitter_type", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("amount", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("refund_ticket_merchant_external_id", String),
    Column("reviewer_id", String),
    Column("reviewed_at", UtcDateTime),
    Column("review_note", String),
    Column("reject_reason", String),
    Column("executed_at", UtcDateTime),
    # GraphQL pages through a store's tickets, newest first.
    Column("refund_id", String),
    Index("refund_tickets_by_store", "store_id", "created_at", "id"),
)
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("state", String, nullable=False),
    Column("owner", String),
    Column("status", Integer),
    Column("body", String),
    Column("created_at", UtcDateTime, nullable=False),
)
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False, index=True),
    Column("channel", String, nullable=False),
    Column("url", String, nullable=False),
    Column("events", JSON, nullable=False),
    Column("test_mode", Boolean, nullable=False),
    Column("secret", String),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
# The webhook outbox: a delivery row commits with the change that causes it; the sender claims due rows.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String, primary_key=True),
    Column("webhook_id", String, nullable=False),
    Column("store_id", String, nullable=False),
    Column("environment", String, nullable=False),
    Column("event_type", String, nullable=False),
    Column("event_id", String, nullable=False),
    Column("channel", String, nullable=False),
    Column("url", String, nullable=False),
    Column("body", String, nullable=False),
    Column("status", String, nullable=False),
    Column("attempt_count", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("signed_at", BigInteger),
    Column("sender", String),
    # One delivery per endpoint and business event, as the real API keeps it.
    UniqueConstraint("webhook_id", "event_type", "event_id", name="webhook_deliveries_once"),
    Index("webhook_deliveries_due", "status", "next_attempt_at"),
    Index("webhook_deliveries_by_creation", "created_at", "id"),
)
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("delivery_id", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer),
    Column("error", String),
    Column("response_body", String),
)
# The mock's tenants (POST /_mock/tenants): each is a world of its own in a store of its own (a
# SQLite file beside the mock's, or a PostgreSQL schema); this directory lives in the mock's store.
# A deleted tenant keeps its row, so its number (which its id is drawn from) is never drawn again.
tenants = Table(
    "tenants",
    metadata,
    Column("id", String, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),
)
# Run-wide settings (seed, token secret, business clock offset).
settings = Table(
    "settings",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", JSON, nullable=False),
)
# The id counters, one per prefix: the n-th id of a prefix is drawn from (seed, prefix, n).
counters = Table(
    "counters",
    metadata,
    Column("name", String, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# The fake PSP's records. Ids are its own; payment_id ties a checkout to the payment it collects.
psp_faults = Table(
    "psp_faults",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fail_next", Integer, nullable=False),
    Column("fail_probability", Float, nullable=False),
    Column("seed", BigInteger),
    Column("latency_ms", Integer, nullable=False),
    Column("draws", Integer, nullable=False),  # probability draws made under this plan
)
psp_calls = Table(
    "psp_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("operation", String, nullable=False),
    Column("request", JSON, nullable=False),
    Column("outcome", String, nullable=False),
    Column("reason", String),
    Column("checkout_url", String),
    Index("psp_calls_by_outcome", "outcome", "id"),
)
psp_checkouts = Table(
    "psp_checkouts",
    metadata,
    Column("token", String, primary_key=True),
    Column("payment_id", String, nullable=False),
    Column("request", JSON, nullable=False),
    Column("status", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # A 3-D Secure challenge waiting for the buyer: the card and what it ends in.
    Column("challenge", Typed(Challenge)),
)
