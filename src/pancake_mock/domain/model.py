"""The entities the mock keeps. Plain dataclasses: the store adapter maps them to tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .tax.model import BillingDetail, TaxResult

ONETIME = "onetime"
SUBSCRIPTION = "subscription"
ENVIRONMENTS = ("test", "prod")


@dataclass(frozen=True)
class PriceInfo:
    amount: str  # display string in the currency's minor unit: "29.00", "4500"
    tax_category: str
    trial_amount: str | None = None  # a subscription's paid trial price, in the same display form

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)


@dataclass(frozen=True)
class SessionOptions:
    """What the hosted checkout page shows, fixed when the session is made."""

    product_name: str
    payment_methods: tuple[str, ...]
    language: str | None = None
    dark_mode: bool | None = None
    with_trial: bool | None = None


@dataclass
class Merchant:
    id: str
    name: str
    created_at: datetime


@dataclass
class ApiKey:
    merchant_id: str
    environment: str
    public_key_pem: str
    created_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class NotificationSettings:
    """A store's notification toggles, all on unless switched off."""

    email_order_confirmation: bool = True
    email_subscription_confirmation: bool = True
    email_subscription_cycled: bool = True
    email_subscription_canceled: bool = True
    email_subscription_revoked: bool = True
    email_subscription_past_due: bool = True
    email_trial_started: bool = True
    email_trial_ending: bool = True
    email_upcoming_charge: bool = True
    email_subscription_plan_changed: bool = True
    email_refund_succeeded: bool = True
    notify_new_orders: bool = True
    notify_new_subscriptions: bool = True
    notify_subscription_canceled: bool = True
    notify_subscription_ended: bool = True
    notify_subscription_past_due: bool = True
    notify_subscription_renewed: bool = True
    notify_subscription_uncanceled: bool = True
    notify_subscription_plan_changed: bool = True
    notify_chargeback: bool = True
    notify_refund_succeeded: bool = True


@dataclass(frozen=True)
class CheckoutTheme:
    """One theme of a store's hosted checkout page."""

    checkout_logo: str | None
    checkout_color_primary: str
    checkout_color_background: str
    checkout_color_card: str
    checkout_color_text: str
    checkout_border_radius: str


LIGHT_THEME = CheckoutTheme(None, "#000000", "#ffffff", "#f5f5f5", "#000000", "8px")
DARK_THEME = CheckoutTheme(None, "#ffffff", "#1a1a1a", "#2a2a2a", "#ffffff", "8px")


@dataclass(frozen=True)
class CheckoutSettings:
    default_dark_mode: bool = False
    light: CheckoutTheme = LIGHT_THEME
    dark: CheckoutTheme = DARK_THEME


@dataclass
class Store:
    id: str
    merchant_id: str
    name: str
    slug: str
    status: str  # active | inactive | suspended
    prod_enabled: bool  # production checkout is open (after KYB on the real platform)
    created_at: datetime
    updated_at: datetime
    logo: str | None = None
    support_email: str | None = None  # set by ownership verification, never by update-store
    website: str | None = None
    notification_settings: NotificationSettings | None = None  # None: every toggle at its default
    checkout_settings: CheckoutSettings | None = None  # None: the default themes
    deleted_at: datetime | None = None  # a soft delete: the store is gone for every caller


@dataclass
class Product:
    """A product is made and changed in the test environment (`version`, its latest); publishing
    copies that version to production (`prod_version`), which prod checkout sells."""

    id: str
    store_id: str
    type: str
    status: str  # active | inactive
    version: int
    created_at: datetime
    updated_at: datetime
    prod_version: int | None = None


@dataclass(frozen=True)
class GroupRules:
    shared_trial: bool = False
    self_service_plan_change: bool = False


@dataclass
class ProductGroup:
    """Subscription products a buyer moves between (plan changes) or shares one trial across. Made
    in the test environment; publishing upserts its production copy under the same id."""

    id: str  # a UUID
    environment: str
    store_id: str
    name: str
    rules: GroupRules
    product_ids: list[str]
    created_at: datetime
    updated_at: datetime
    description: str | None = None


@dataclass
class ProductVersion:
    """One immutable state of a product; sessions and orders point at the version they saw."""

    product_id: str
    number: int
    name: str
    prices: dict[str, PriceInfo]  # by currency
    created_at: datetime
    description: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    success_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    billing_period: str | None = None  # weekly | monthly | quarterly | yearly: subscriptions only


@dataclass(frozen=True)
class PlanChange:
    """What a plan-change session changes: which subscription, when, and at what price."""

    origin_order_id: str
    timing: str | None = None  # immediate | next_period; None: derived from the change's direction
    change_amount: str | None = None  # what to charge for the change, tax inclusive
    change_credit_amount: str | None = None  # or what to credit against it


@dataclass
class CheckoutSession:
    id: str
    store_id: str
    product_id: str
    product_type: str
    product_version: int
    environment: str
    currency: str
    price: PriceInfo  # locked
    status: str  # open | completed
    expires_at: datetime
    created_at: datetime
    options: SessionOptions
    buyer_email: str | None = None
    billing_detail: BillingDetail | None = None  # normalized
    success_url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    order_merchant_external_id: str | None = None
    plan_change: PlanChange | None = None  # None: a new purchase


@dataclass
class SessionToken:
    id: str
    store_id: str
    buyer_identity: str
    role: str
    expires_at: datetime
    created_at: datetime
    used_at: datetime | None = None


@dataclass
class Order:
    id: str
    type: str
    status: str
    checkout_session_id: str
    store_id: str
    product_id: str
    product_version: int
    environment: str
    buyer_email: str
    billing_detail: BillingDetail  # normalized
    currency: str
    price_snapshot: TaxResult
    created_at: datetime
    buyer_ip: str | None = None
    success_url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    order_merchant_external_id: str | None = None
    payment_id: str | None = None
    checkout_url: str | None = None
    buyer_identity: str | None = None  # of the token that made it: its buyer may cancel it
    # A subscription's trial: its first phase (the trial price, taxed, or nothing) and how long.
    special_phase: TaxResult | None = None
    special_phase_days: int | None = None
    updated_at: datetime | None = None  # its last change of status (None: made before it was kept)


@dataclass
class Webhook:
    """A store's webhook endpoint: which events of which environment go where."""

    id: str  # a UUID
    store_id: str
    channel: str  # http | feishu | discord | telegram | slack
    url: str
    events: list[str]
    test_mode: bool
    created_at: datetime
    updated_at: datetime
    secret: str | None = None


@dataclass
class WebhookDelivery:
    """One event on its way to one endpoint (the outbox): written with the change that causes it,
    sent off the request path, at most `max_attempts` times."""

    id: str  # a UUID
    webhook_id: str
    store_id: str
    environment: str
    event_type: str
    event_id: str
    channel: str
    url: str
    body: str  # the payload as sent (an IM channel's signing aside)
    status: str  # pending | success | failed
    attempt_count: int
    max_attempts: int
    next_attempt_at: datetime  # business time
    created_at: datetime
    updated_at: datetime
    signed_at: int | None = None  # the signature's `t` (wall time, ms): stamped once, before the first attempt
    sender: str | None = None  # the process sending it now; a dead one's claim lapses


@dataclass
class DeliveryAttempt:
    delivery_id: str
    number: int
    at: datetime
    duration_ms: int
    status_code: int | None = None  # None: no HTTP answer (refused, timed out)
    error: str | None = None
    response_body: str | None = None  # its first bytes


@dataclass(frozen=True)
class CardInfo:
    """What is kept of a card: never its number or CVC."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass
class Payment:
    id: str
    order_id: str
    status: str  # pending | succeeded | failed | canceled
    currency: str
    amount: str
    created_at: datetime
    card: CardInfo | None = None
    failure_reason: str | None = None
    updated_at: datetime | None = None


@dataclass
class Subscription:
    """A subscription order's billing from its first payment on. Its trial, if any, runs up to the
    anchor; then the n-th regular period runs from anchor + (n-1) billing periods to anchor + n, so
    a month after Jan 31 is Feb 28 and the one after that Mar 31. The lifecycle acts at `due`: the
    period's end, or the one retry of a failed renewal."""

    order_id: str
    billing_period: str  # weekly | monthly | quarterly | yearly
    anchor: datetime
    period_number: int  # the current period; a failed charge counts too; 0: a free trial
    regular_periods: int  # begun at the regular price
    current_period_start: datetime
    current_period_end: datetime
    card: CardInfo  # what renewals charge
    due: datetime | None  # None: nothing more happens (canceled)
    renewal_decline: str | None = None  # the card declines every renewal with this reason
    failing_renewals: int = 0  # the control plane's rule: the next renewal charges that fail
    retrying: bool = False  # past_due: `due` is the one retry
    canceled_at: datetime | None = None
    # A plan change for the next period: its session (the new plan) and that plan's taxed price.
    pending_change: str | None = None
    pending_price: TaxResult | None = None
    credit: str = "0"  # a plan change's changeCreditAmount (display form), taken off the next renewals


@dataclass
class RefundTicket:
    """A request to refund (part of) a payment: a buyer's waits for review, a merchant's is approved
    as it is made. A rejected one may be resubmitted as its next version."""

    id: str
    payment_id: str
    store_id: str
    environment: str
    status: str  # pending | approved | rejected | processing | succeeded | failed | …
    submitter_id: str  # the buyer identity, or the merchant id
    submitter_type: str  # customer | merchant
    reason: str
    amount: str  # display string, in the payment's currency
    currency: str
    version_number: int
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    refund_ticket_merchant_external_id: str | None = None
    reviewer_id: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    reject_reason: str | None = None
    executed_at: datetime | None = None
    refund_id: str | None = None  # the PSP's refund (REF_), once the ticket is carried out


@dataclass(frozen=True)
class Challenge:
    """A 3-D Secure challenge the buyer has yet to answer: the card, and its outcome once passed."""

    card: CardInfo
    failure_reason: str | None  # None: passing the challenge pays


@dataclass
class IdempotencyRecord:
    """One `X-Idempotency-Key` of one caller: in flight, or the 2xx answer to replay."""

    scope: str
    key: str
    state: str  # in_flight | completed
    created_at: datetime
    owner: str | None = None  # the process running an in-flight request
    status: int | None = None
    body: str | None = None
