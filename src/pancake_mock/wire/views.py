"""Entities as the contract shows them: the domain's names in camelCase (`codec`), timestamps in
ISO 8601 UTC with milliseconds, amounts as display strings. A view may hold domain values
(dataclasses, Decimals) as they are: the answer is written by `codec.to_json`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .. import codec
from ..codec import timestamp
from ..domain.model import (
    SUBSCRIPTION,
    CheckoutSession,
    CheckoutSettings,
    DeliveryAttempt,
    NotificationSettings,
    Order,
    Payment,
    Product,
    ProductGroup,
    ProductVersion,
    RefundTicket,
    Store,
    Subscription,
    Webhook,
    WebhookDelivery,
)


def product(entity: Product, version: ProductVersion) -> dict[str, Any]:
    """The SDK's OnetimeProductDetail, or SubscriptionProductDetail with its billing period."""
    return {
        "id": entity.id,
        "storeId": entity.store_id,
        "name": version.name,
        "description": version.description,
        **({"billingPeriod": version.billing_period} if entity.type == SUBSCRIPTION else {}),
        "prices": codec.present(version.prices),  # a trialAmount only where there is one
        "media": version.media,
        "successUrl": version.success_url,
        "metadata": version.metadata,
        "status": entity.status,
        "createdAt": timestamp(entity.created_at),
        "updatedAt": timestamp(entity.updated_at),
    }


def store(entity: Store) -> dict[str, Any]:
    return {
        "id": entity.id,
        "name": entity.name,
        "status": entity.status,
        "logo": entity.logo,
        "supportEmail": entity.support_email,
        "website": entity.website,
        "slug": entity.slug,
        "prodEnabled": entity.prod_enabled,
        "notificationSettings": entity.notification_settings or NotificationSettings(),
        "checkoutSettings": entity.checkout_settings or CheckoutSettings(),
        "deletedAt": entity.deleted_at and timestamp(entity.deleted_at),
        "createdAt": timestamp(entity.created_at),
        "updatedAt": timestamp(entity.updated_at),
    }


def refund_ticket(ticket: RefundTicket) -> dict[str, Any]:
    """The SDK's RefundTicket; its current version is the only one kept."""
    return {
        "id": ticket.id,
        "type": "refund",
        "status": ticket.status,
        "subjectId": ticket.payment_id,
        "submitterId": ticket.submitter_id,
        "submitterType": ticket.submitter_type,
        "currentVersionId": f"{ticket.id}-v{ticket.version_number}",
        "reviewerId": ticket.reviewer_id,
        "reviewedAt": ticket.reviewed_at and timestamp(ticket.reviewed_at),
        "reviewNote": ticket.review_note,
        "rejectReason": ticket.reject_reason,
        "executedAt": ticket.executed_at and timestamp(ticket.executed_at),
        "metadata": ticket.metadata,
        "refundTicketMerchantExternalId": ticket.refund_ticket_merchant_external_id,
        "versionNumber": ticket.version_number,
        "versionData": {"reason": ticket.reason, "requestedAmount": {"amount": ticket.amount, "currency": ticket.currency}},
        "createdAt": timestamp(ticket.created_at),
        "updatedAt": timestamp(ticket.updated_at),
    }


def group(entity: ProductGroup) -> dict[str, Any]:
    return {
        "id": entity.id,
        "storeId": entity.store_id,
        "name": entity.name,
        "description": entity.description,
        "rules": entity.rules,
        "productIds": entity.product_ids,
        "environment": entity.environment,
        "createdAt": timestamp(entity.created_at),
        "updatedAt": timestamp(entity.updated_at),
    }


def _billing(detail: Any) -> dict[str, Any] | None:
    """A billing detail without its unset optional fields."""
    return None if detail is None else codec.present(detail)


def order_record(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "type": order.type,
        "status": order.status,
        "checkoutSessionId": order.checkout_session_id,
        "storeId": order.store_id,
        "productId": order.product_id,
        "productVersion": order.product_version,
        "environment": order.environment,
        "currency": order.currency,
        "buyerEmail": order.buyer_email,
        "buyerIp": order.buyer_ip,
        "billingDetail": _billing(order.billing_detail),
        "priceSnapshot": order.price_snapshot,  # written by codec.to_json
        "successUrl": order.success_url,
        "paymentId": order.payment_id,
        "checkoutUrl": order.checkout_url,
        "createdAt": timestamp(order.created_at),
    }


def webhook(endpoint: Webhook) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "storeId": endpoint.store_id,
        "channel": endpoint.channel,
        "url": endpoint.url,
        "events": endpoint.events,
        "testMode": endpoint.test_mode,
        "secret": endpoint.secret,
        "createdAt": timestamp(endpoint.created_at),
        "updatedAt": timestamp(endpoint.updated_at),
    }


def order_detail(order: Order, payments: list[Payment]) -> dict[str, Any]:
    return {**order_record(order), "payments": [payment_record(payment) for payment in payments]}


def subscription_billing(subscription: Subscription) -> dict[str, Any]:
    return {
        "orderId": subscription.order_id,
        "billingPeriod": subscription.billing_period,
        "periodNumber": subscription.period_number,
        "currentPeriodStart": timestamp(subscription.current_period_start),
        "currentPeriodEnd": timestamp(subscription.current_period_end),
        "nextChargeAt": timestamp(subscription.due) if subscription.due and not subscription.canceled_at else None,
        "failingRenewals": subscription.failing_renewals,
        "canceledAt": timestamp(subscription.canceled_at) if subscription.canceled_at else None,
    }


def payment_record(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "orderId": payment.order_id,
        "status": payment.status,
        "currency": payment.currency,
        "amount": payment.amount,
        "card": payment.card,  # written by codec.to_json
        "failureReason": payment.failure_reason,
        "createdAt": timestamp(payment.created_at),
        "updatedAt": timestamp(payment.updated_at) if payment.updated_at else None,
    }


def session_record(session: CheckoutSession, now: datetime) -> dict[str, Any]:
    expired = session.status == "open" and session.expires_at <= now
    return {
        "id": session.id,
        "status": "expired" if expired else session.status,
        "storeId": session.store_id,
        "productId": session.product_id,
        "productType": session.product_type,
        "productVersion": session.product_version,
        "environment": session.environment,
        "currency": session.currency,
        "price": codec.present(session.price),
        "buyerEmail": session.buyer_email,
        "billingDetail": _billing(session.billing_detail),
        "successUrl": session.success_url,
        "metadata": session.metadata,
        "orderMerchantExternalId": session.order_merchant_external_id,
        "planChange": session.plan_change and codec.present(session.plan_change),
        "expiresAt": timestamp(session.expires_at),
        "createdAt": timestamp(session.created_at),
    }


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def creation_cursor(entity: Order | Payment | WebhookDelivery) -> str:
    """Where a page in creation order ends: `<created_at in microseconds since 1970>-<id>`."""
    return f"{(entity.created_at - EPOCH) // timedelta(microseconds=1)}-{entity.id}"


def creation_position(cursor: str | None) -> tuple[datetime, str] | None:
    """The (created_at, id) after which the next page starts. The contract's pattern admits only
    well-formed cursors, and each is a position: one past every item reads as the last page."""
    if cursor is None:
        return None
    micros, entity_id = cursor.split("-", 1)
    try:
        return EPOCH + timedelta(microseconds=int(micros)), entity_id
    except OverflowError:
        return datetime.max.replace(tzinfo=timezone.utc), entity_id


def delivery_record(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhookId": delivery.webhook_id,
        "storeId": delivery.store_id,
        "environment": delivery.environment,
        "eventType": delivery.event_type,
        "eventId": delivery.event_id,
        "channel": delivery.channel,
        "url": delivery.url,
        "status": delivery.status,
        "attemptCount": delivery.attempt_count,
        "maxAttempts": delivery.max_attempts,
        "nextAttemptAt": timestamp(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "signedAt": delivery.signed_at,
        "createdAt": timestamp(delivery.created_at),
        "updatedAt": timestamp(delivery.updated_at),
    }


def delivery_detail(delivery: WebhookDelivery, attempts: list[DeliveryAttempt]) -> dict[str, Any]:
    return {**delivery_record(delivery), "body": delivery.body, "attempts": [
        {"number": attempt.number, "at": timestamp(attempt.at), "durationMs": attempt.duration_ms,
         "statusCode": attempt.status_code, "error": attempt.error, "responseBody": attempt.response_body}
        for attempt in attempts]}
