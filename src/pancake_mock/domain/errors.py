"""Every error the API answers with, in one place.

A `Problem` is the status, message template and layer of one documented error; raising
`problem.error(...)` gives an `ApiError` the wire layer turns into the envelope
`{"data": null, "errors": [{"message", "layer"}]}`. Templates only take names we choose
(field paths, header names, enum values), never raw client input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """One entry of an answer's `warnings`: something the request asked for that was not done."""

    message: str
    layer: str


@dataclass(frozen=True)
class Caution:
    template: str
    layer: str

    def notice(self, **values: object) -> Notice:
        return Notice(self.template.format(**values), self.layer)


class ApiError(Exception):
    def __init__(self, status: int, message: str, layer: str, kept: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.layer = layer
        self.kept = kept


@dataclass(frozen=True)
class Problem:
    status: int
    template: str
    layer: str
    # A refusal that is itself a fact to keep (the PSP journaled a declined call): the request's
    # transaction commits what was written before it was raised, instead of rolling back.
    kept: bool = False

    def error(self, **values: object) -> ApiError:
        return ApiError(self.status, self.template.format(**values), self.layer, self.kept)


# Gateway: transport, headers, body shape.
INVALID_JSON = Problem(400, "Invalid JSON body", "gateway")
INVALID_TEXT = Problem(400, "Invalid JSON body: text must be Unicode without NUL characters", "gateway")
MISSING_FIELD = Problem(400, "Missing required field: {field}", "gateway")
INVALID_FIELD = Problem(400, "Invalid field: {field} must be {expected}", "gateway")
UNKNOWN_FIELD_VALUE = Problem(400, "Invalid field: {field} must be one of {allowed}", "gateway")
EXCLUSIVE_FIELDS = Problem(400, "Invalid body: {fields} are mutually exclusive", "gateway")
INVALID_HEADER = Problem(400, "Missing or invalid header: {header}", "gateway")
INVALID_IDEMPOTENCY_KEY = Problem(400, "Invalid X-Idempotency-Key: at most 256 characters of [A-Za-z0-9_-]", "gateway")
CLOCK_OUT_OF_RANGE = Problem(409, "Business time would leave the years {first} to {last} from where it is now", "gateway")
IDEMPOTENCY_IN_FLIGHT = Problem(409, "Idempotent request is already being processed", "gateway")
NOT_FOUND = Problem(404, "Not found", "gateway")
METHOD_NOT_ALLOWED = Problem(405, "Method not allowed", "gateway")
PAYLOAD_TOO_LARGE = Problem(413, "Request body too large", "gateway")
UNSUPPORTED_MEDIA_TYPE = Problem(415, "Content-Type must be application/json", "gateway")
UNSUPPORTED_FORM_TYPE = Problem(415, "Content-Type must be application/x-www-form-urlencoded", "gateway")
INVALID_FORM = Problem(400, "Invalid form body: URL-encoded UTF-8 text expected", "gateway")
INTERNAL = Problem(500, "Internal server error", "gateway")
HEADERS_TOO_LARGE = Problem(431, "Request headers too large", "gateway")
TENANT_NOT_FOUND = Problem(404, "Tenant not found", "gateway")
TENANT_ONLY_AT_ROOT = Problem(404, "Tenants are made and listed at the mock's own base URL, not a tenant's", "gateway")
CONTROL_TOKEN_REQUIRED = Problem(401, "The control plane needs a valid X-Control-Token from this address", "user")

# Auth.
AUTHENTICATION_FAILED = Problem(401, "Authentication failed", "user")
UNAUTHORIZED = Problem(401, "Unauthorized", "user")
MISSING_AUTH_HEADER = Problem(401, "Missing required header: {header}", "user")
INVALID_MERCHANT_ID = Problem(401, "Invalid X-Merchant-Id", "user")
TIMESTAMP_OUT_OF_WINDOW = Problem(401, "Request timestamp outside the allowed window", "user")
INVALID_SIGNATURE = Problem(401, "Invalid signature", "user")
STORE_ACCESS_DENIED = Problem(403, "Access denied: you do not have permission to this store", "user")

# Stores and products.
MISSING_STORE_OR_PRODUCT = Problem(400, "Missing required field: provide storeId or productId", "user")
EXPECTED_FORMAT = Problem(400, "Expected format: {prefix}_xxx", "gateway")
STORE_NOT_FOUND = Problem(404, "Store not found", "store")
STORE_NOT_ACTIVE = Problem(403, "Store not active", "store")
TOKEN_STORE_NOT_ACTIVE = Problem(400, "Store is not active", "store")  # issue-session-token's words for it
STORE_NOT_PRODUCTION_ENABLED = Problem(403, "Store not production enabled", "store")
PRODUCT_NOT_FOUND = Problem(404, "Product not found", "product")
PRODUCT_NOT_IN_STORE = Problem(403, "Product not in store", "product")
PRODUCT_NOT_ACTIVE = Problem(400, "Product is not active", "product")
UNSUPPORTED_CURRENCY = Problem(400, "Unsupported currency for {product_type} products: {currency}", "product")
PRICE_NOT_SET = Problem(400, "Product has no price in {currency}", "product")
INVALID_AMOUNT = Problem(400, "Invalid field: {field} must be a decimal string such as \"29.00\"", "product")
AMOUNT_PRECISION = Problem(400, "Invalid field: {field} has more decimals than {currency} allows", "product")
NAME_TOO_LONG = Problem(400, "name must not exceed {limit} characters", "product")
STORE_NAME_TOO_LONG = Problem(400, "name must not exceed {limit} characters", "store")
PRODUCT_NOT_PUBLISHED = Problem(404, "Product not found in production: publish it first", "product")
TRIAL_DAYS = Problem(400, "metadata.trialDays must be a whole number of days from {first} to {last}", "product")
TRIAL_NEEDS_DAYS = Problem(400, "prices.{currency}.trialAmount needs metadata.trialDays", "product")
TRIAL_NOT_LOWER = Problem(400, "prices.{currency}.trialAmount must be lower than amount", "product")
GROUP_NOT_FOUND = Problem(404, "Subscription product group not found", "product")
GROUP_PRODUCT = Problem(400, "productIds[{index}] is not a subscription product of this store", "product")
# What update-store accepts but does not write, answered in `warnings`.
WEBHOOK_SETTINGS_IGNORED = Caution("WEBHOOK_SETTINGS_IGNORED: webhookSettings is no longer read; manage endpoints "
                                   "with store/add-webhook, update-webhook and remove-webhook", "store")
PLATFORM_NOTIFICATION = Caution("notificationSettings.{name} is managed by the platform and was not changed", "store")
VERIFIED_FIELD = Caution("{field} is set by ownership verification and was not changed", "store")

# Checkout sessions.
INVALID_SUCCESS_URL = Problem(400, "successUrl must be an absolute http(s) URL", "order")
PAYMENT_METHODS_CONFLICT = Problem(400, "includePaymentMethods and excludePaymentMethods are mutually exclusive", "order")
PAYMENT_METHOD_UNSUPPORTED = Problem(400, "Payment method not available for {currency}: {method}", "order")

# Plan-change sessions (create-session with originOrderId).
PLAN_CHANGE_BY_SLUG = Problem(403, "A plan change needs the subscriber: a store slug cannot open one", "order")
TOKEN_OPENS_PLAN_CHANGES = Problem(403, "A session token opens plan-change sessions only: originOrderId is required",
                                   "order")
ORIGIN_NOT_OWNED = Problem(403, "Subscription order does not belong to this credential", "order")
NOT_SAME_GROUP = Problem(403, "Target plan is not in the same product group as the current plan", "order")
SELF_SERVICE_OFF = Problem(403, "Self-service plan change is not enabled for this product group", "order")
ORIGIN_NOT_SUBSCRIPTION = Problem(400, "originOrderId must be a subscription order", "order")
PLAN_NOT_CHANGEABLE = Problem(400, "Subscription plan cannot be changed, current status: {status}", "order")
TARGET_NOT_SUBSCRIPTION = Problem(400, "Target plan must be a subscription product", "order")
SAME_PLAN = Problem(400, "Target plan is the current plan", "order")
PLAN_CURRENCY = Problem(400, "currency must be the subscription's: {currency}", "order")
CHANGE_AMOUNTS_EXCLUSIVE = Problem(400, "changeAmount and changeCreditAmount are mutually exclusive", "order")
PLAN_CHANGE_NOT_ORDERED = Problem(400, "Session changes the plan of {order_id}: it is confirmed on its change page, "
                                       "not ordered", "order")

# Orders: the seed's error table, verbatim.
SESSION_TYPE_MISMATCH = Problem(400, "Session product type mismatch: expected {expected}", "order")
ENVIRONMENT_MISMATCH = Problem(400, "Environment mismatch between request and session", "order")
MISSING_BILLING_DETAIL = Problem(400, "Missing billingDetail: provide in request body or pre-fill in checkout session", "order")
STATE_REQUIRED = Problem(400, "State is required for US/CA", "order")
MISSING_BUYER_EMAIL = Problem(400, "Missing buyerEmail: provide in request body or pre-fill in checkout session", "order")
INVALID_BUYER_EMAIL = Problem(400, "Invalid buyerEmail", "order")
SESSION_WRONG_STORE = Problem(403, "Session does not belong to this store", "order")
SESSION_INVALID = Problem(409, "Checkout session invalid, please re-enter checkout", "order")
PSP_FAILED = Problem(500, "Internal server error", "order", kept=True)
ORDER_NOT_FOUND = Problem(404, "Order not found", "order")
ORDER_NOT_OWNED = Problem(403, "Order does not belong to user", "order")
ORDER_NOT_CANCELABLE = Problem(400, "Order cannot be canceled, current status: {status}", "order")
SUBSCRIPTION_NOT_CANCELABLE = Problem(400, "Subscription cannot be canceled, current status: {status}", "order")
ONLY_CANCELING_REACTIVATES = Problem(400, "Only canceling subscriptions can be reactivated", "order")
SUBSCRIPTION_NOT_FOUND = Problem(404, "Subscription not found", "order")
UNPAID_BALANCE = Problem(400, "Subscription with an unpaid balance cannot be reactivated", "order")
# Refund tickets.
PAYMENT_NOT_FOUND = Problem(404, "Payment not found", "ticket")
TICKET_NOT_FOUND = Problem(404, "Ticket not found", "ticket")
REFUND_AMOUNT_FORMAT = Problem(400, "Invalid requestedAmount.amount format", "ticket")
REFUND_CURRENCY = Problem(400, "requestedAmount.currency must be the payment's: {currency}", "ticket")
REFUND_AMOUNT = Problem(400, "requestedAmount.amount must be more than 0 and at most the payment's {amount}", "ticket")
REFUND_WINDOW = Problem(400, "A payment can be refunded within {days} days of its success only", "ticket")
PAYMENT_NOT_SUCCEEDED = Problem(409, "Payment status is {status}, must be succeeded", "ticket")
REFUND_OPEN = Problem(409, "The payment already has a refund ticket open or succeeded", "ticket")
TICKET_PAYMENT = Problem(400, "paymentId is not the ticket's payment", "ticket")
TICKET_NOT_REJECTED = Problem(409, "Only rejected tickets can be resubmitted, current status: {status}", "ticket")
TICKET_NOT_PROCESSING = Problem(409, "Only processing tickets can be settled, current status: {status}", "ticket")
TICKET_NOT_PENDING = Problem(409, "Only pending tickets can be reviewed, current status: {status}", "ticket")

# Webhooks.
WEBHOOK_NOT_FOUND = Problem(404, "Webhook not found", "store")
WEBHOOK_LIMIT = Problem(400, "Webhook limit reached: at most {limit} per store", "store")
WEBHOOK_URL = Problem(400, "url must be an absolute http(s) URL", "store")
WEBHOOK_HOST = Problem(400, "url must be on {hosts} for the {channel} channel", "store")
# Webhook deliveries, on the control plane.
DELIVERY_NOT_FOUND = Problem(404, "Webhook delivery not found", "store")
DELIVERY_IN_FLIGHT = Problem(409, "Webhook delivery is being sent: send it again once this attempt is recorded", "store")
EVENT_NEEDS_PAID_ORDER = Problem(409, "{event} is sent for a paid one-time order; this order is {status}", "order")

# What the real API does not do yet either (store membership, a direct product change): 501.
STORE_MERCHANTS_NOT_IMPLEMENTED = Problem(501, "Not implemented", "store")
CHANGE_PRODUCT_NOT_IMPLEMENTED = Problem(501, "Not implemented", "order")

# Reads (GraphQL).
MUTATIONS_NOT_SUPPORTED = Problem(403, "Mutations are not supported: GraphQL is query-only", "graphql")
READ_LIMIT = Problem(400, "limit must be between 1 and {maximum}", "graphql")
READ_OFFSET = Problem(400, "offset must not be negative", "graphql")
QUERY_TOO_DEEP = Problem(400, "Query is too deep: at most {maximum} levels of fields", "graphql")
TOO_MANY_ALIASES = Problem(400, "Query has too many aliases: at most {maximum}", "graphql")
QUERY_TOO_LARGE = Problem(400, "Query is too large: at most {maximum} tokens", "graphql")

# Paying from the control plane (what the payment page would answer, in the API's envelope).
ORDER_NOT_PAYABLE = Problem(409, "Order cannot be paid, current status: {status}", "order")
PAYMENT_PAGE_EXPIRED = Problem(409, "Order cannot be paid: its payment page has expired", "order")
CARD_REFUSED = Problem(400, "Invalid card: {problems}", "order")

# Billing detail and tax.
INVALID_COUNTRY = Problem(400, "Invalid billingDetail.country: expected an ISO 3166-1 alpha-2 code", "order")
INVALID_STATE = Problem(400, "Invalid billingDetail.state for {country}", "order")
BUSINESS_NAME_REQUIRED = Problem(400, "businessName is required when isBusiness is true", "order")
TAX_ID_REQUIRED = Problem(400, "taxId is required for EU business purchases", "order")
INVALID_TAX_ID = Problem(400, "Invalid taxId: not a valid VAT number for {country}", "order")
TAX_ID_COUNTRY_MISMATCH = Problem(400, "taxId does not belong to billing country {country}", "order")
TAX_DATE_NOT_COVERED = Problem(400, "No tax rates are recorded before {first}: the mock's clock is set earlier", "order")

# Payments: why the PSP's payment page refused a card (failureReason), and its inline errors, as
# the buyer reads them.
DECLINE_REASONS = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "authentication_failed": "We are unable to authenticate your payment method. Choose another one.",
}
CARD_NUMBER_INVALID = "Your card number is invalid."
CARD_EXPIRY_INVALID = "Your card's expiration date is incomplete: MM/YY."
CARD_EXPIRED = "Your card's expiration date is in the past."
CARD_CVC_INVALID = "Your card's security code is incomplete."
