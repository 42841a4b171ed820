"""What each operation is asked to do, as typed values: the wire layer builds these from requests
whose shape the contract has already checked, and the domain never sees a request dict.

Field names are the contract's, in snake_case (`codec.camel` gives the wire name back).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any

from .model import NotificationSettings, PriceInfo
from .tax.model import BillingDetail


@dataclass(frozen=True)
class IssueSessionToken:
    buyer_identity: str
    role: str  # the contract's default fills it in
    store_id: str | None = None
    product_id: str | None = None


@dataclass(frozen=True)
class CreateCheckoutSession:
    product_id: str
    currency: str
    price_snapshot: PriceInfo | None = None
    with_trial: bool | None = None
    buyer_email: str | None = None
    billing_detail: BillingDetail | None = None
    success_url: str | None = None
    expires_in_seconds: int | None = None
    dark_mode: bool | None = None
    metadata: dict[str, str] | None = None
    order_merchant_external_id: str | None = None
    language: str | None = None
    include_payment_methods: tuple[str, ...] | None = None
    exclude_payment_methods: tuple[str, ...] | None = None
    # A plan change of an existing subscription instead of a new purchase.
    origin_order_id: str | None = None
    change_timing: str | None = None
    change_amount: str | None = None
    change_credit_amount: str | None = None


@dataclass(frozen=True)
class PreviewTax:
    checkout_session_id: str
    billing_detail: BillingDetail | None = None
    buyer_ip: str | None = None


@dataclass(frozen=True)
class PreviewTrial:
    checkout_session_id: str
    buyer_identity: str | None = None  # a store-slug caller's; a session token carries its own


@dataclass(frozen=True)
class ScanPrompt:
    prompt: str
    locale: str  # the contract's default fills it in
    semantic: str


@dataclass(frozen=True)
class CreateOrder:
    checkout_session_id: str
    billing_detail: BillingDetail | None = None
    buyer_email: str | None = None
    buyer_ip: str | None = None
    success_url: str | None = None


@dataclass(frozen=True)
class CreateProduct:
    store_id: str
    name: str
    prices: dict[str, PriceInfo]
    description: str | None = None
    media: list[dict[str, Any]] | None = None
    success_url: str | None = None
    metadata: dict[str, Any] | None = None
    billing_period: str | None = None  # subscriptions: the contract requires it


UNSET: Any = object()  # a field left out of a partial update


@dataclass(frozen=True)
class UpdateProduct:
    """Fields left out keep their value; a null description or successUrl clears it."""

    id: str
    name: str = UNSET
    prices: dict[str, PriceInfo] = UNSET
    description: str | None = UNSET
    media: list[dict[str, Any]] = UNSET
    success_url: str | None = UNSET
    metadata: dict[str, Any] = UNSET
    billing_period: str = UNSET

    def changes(self) -> dict[str, Any]:
        return given(self, "id")


def given(command: Any, *besides: str) -> dict[str, Any]:
    """The fields a partial update was sent with."""
    return {name: value for name, value in vars(command).items() if name not in besides and value is not UNSET}


@dataclass(frozen=True)
class SetProductStatus:
    id: str
    status: str  # active | inactive


@dataclass(frozen=True)
class CreateStore:
    name: str


@dataclass(frozen=True)
class ThemePatch:
    checkout_logo: str | None = UNSET
    checkout_color_primary: str | None = UNSET
    checkout_color_background: str | None = UNSET
    checkout_color_card: str | None = UNSET
    checkout_color_text: str | None = UNSET
    checkout_border_radius: str | None = UNSET


@dataclass(frozen=True)
class CheckoutSettingsPatch:
    """Each field left out keeps its value, a null one goes back to its default."""

    default_dark_mode: bool | None = UNSET
    light: ThemePatch | None = UNSET
    dark: ThemePatch | None = UNSET


# Every toggle, left out or not: which ones a merchant may write is the domain's rule, and the
# others are answered with a warning rather than dropped unseen.
NotificationSettingsPatch = make_dataclass(
    "NotificationSettingsPatch", [(toggle.name, bool | None, field(default=UNSET)) for toggle in fields(NotificationSettings)],
    frozen=True)


@dataclass(frozen=True)
class UpdateStore:
    id: str
    name: str = UNSET
    status: str = UNSET
    logo: str | None = UNSET
    notification_settings: NotificationSettingsPatch | None = UNSET
    checkout_settings: CheckoutSettingsPatch | None = UNSET
    # Accepted, never written: each is answered with a warning.
    webhook_settings: Any = UNSET
    support_email: Any = UNSET
    website: Any = UNSET


@dataclass(frozen=True)
class EnableProduction:
    store_id: str
    prod_enabled: bool


@dataclass(frozen=True)
class GroupRulesPatch:
    shared_trial: bool = UNSET
    self_service_plan_change: bool = UNSET


@dataclass(frozen=True)
class CreateGroup:
    store_id: str
    name: str
    description: str | None = None
    rules: GroupRulesPatch | None = None
    product_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateGroup:
    id: str
    name: str = UNSET
    description: str | None = UNSET
    rules: GroupRulesPatch = UNSET
    product_ids: tuple[str, ...] = UNSET


@dataclass(frozen=True)
class RequestedAmount:
    amount: str
    currency: str


@dataclass(frozen=True)
class CreateRefundTicket:
    payment_id: str
    reason: str
    requested_amount: RequestedAmount
    metadata: dict[str, Any] | None = None
    refund_ticket_merchant_external_id: str | None = None


@dataclass(frozen=True)
class ResubmitRefundTicket:
    ticket_id: str
    payment_id: str
    reason: str
    requested_amount: RequestedAmount


@dataclass(frozen=True)
class ReviewRefundTicket:
    ticket_id: str
    decision: str  # approve | reject
    note: str | None = None
    reject_reason: str | None = None


@dataclass(frozen=True)
class SettleRefundTicket:
    ticket_id: str
    outcome: str  # succeeded | failed


@dataclass(frozen=True)
class GraphqlQuery:
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None


# The control plane.


@dataclass(frozen=True)
class Page:
    """Where a list continues: at most `limit` items after the opaque `cursor`."""

    limit: int  # the contract's default fills it in
    cursor: str | None = None


@dataclass(frozen=True)
class CreationPage:
    """A page of a list in creation order, `oldest` or `newest` first (`sort`), after the `cursor`."""

    limit: int  # the contract's defaults fill these in
    sort: str
    cursor: str | None = None


@dataclass(frozen=True)
class ListOrders(CreationPage):
    checkout_session_id: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class ListPayments(CreationPage):
    order_id: str | None = None


@dataclass(frozen=True)
class ListDeliveries(CreationPage):
    store_id: str | None = None
    event_type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class DeliveryRef:
    delivery_id: str


@dataclass(frozen=True)
class TriggerEvent:
    order_id: str
    event_type: str


@dataclass(frozen=True)
class ListPspCalls(Page):
    outcome: str | None = None


@dataclass(frozen=True)
class GetCheckoutSession:
    session_id: str


@dataclass(frozen=True)
class SetClock:
    now: str | None = None  # ISO 8601
    advance_seconds: float | None = None


@dataclass(frozen=True)
class SetPspFaults:
    fail_next: int = 0
    fail_probability: float = 0.0
    seed: int | None = None
    latency_ms: int = 0


@dataclass(frozen=True)
class OrderRef:
    order_id: str


@dataclass(frozen=True)
class TenantRef:
    tenant_id: str


@dataclass(frozen=True)
class FailRenewals:
    order_id: str
    count: int


@dataclass(frozen=True)
class PayOrder:
    order_id: str
    card_number: str | None = None
    outcome: str | None = None
    challenge: str = "complete"


@dataclass(frozen=True)
class AddWebhook:
    store_id: str
    channel: str
    url: str
    events: list[str]
    test_mode: bool
    secret: str | None = None


@dataclass(frozen=True)
class UpdateWebhook:
    id: str
    url: str | None = None
    events: list[str] | None = None
    secret: str | None = None


@dataclass(frozen=True)
class ById:
    """An operation on one entity named by its `id` (publish, delete, remove)."""

    id: str


# The buyers' pages (openapi/pages.yaml).
@dataclass(frozen=True)
class ShowPaymentPage:
    token: str


@dataclass(frozen=True)
class SubmitPayment:
    token: str
    card_number: str = ""
    card_expiry: str = ""
    card_cvc: str = ""
    cardholder_name: str = ""


@dataclass(frozen=True)
class AnswerChallenge:
    token: str
    outcome: str  # complete | fail


@dataclass(frozen=True)
class ShowCheckoutPage:
    slug: str
    session_id: str


# The developers' pages (/docs in openapi/pages.yaml, GraphiQL and the dashboard in openapi/control.yaml).
@dataclass(frozen=True)
class PackagedFile:
    """A file a page loads, of the package that ships it (Swagger UI's, GraphiQL's)."""

    file: str


@dataclass(frozen=True)
class OpenapiDocument:
    document: str  # a contract's file name without `.yaml`
