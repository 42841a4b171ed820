"""Entities as the contract shows them (camelCase, ISO 8601 UTC with milliseconds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.model import CheckoutSession, Order, Product, ProductVersion


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def product(entity: Product, version: ProductVersion) -> dict[str, Any]:
    return {
        "id": entity.id,
        "storeId": entity.store_id,
        "name": version.name,
        "description": version.description,
        "prices": version.prices,
        "media": version.media,
        "successUrl": version.success_url,
        "metadata": version.metadata,
        "status": entity.status,
        "createdAt": timestamp(entity.created_at),
        "updatedAt": timestamp(entity.updated_at),
    }


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
        "billingDetail": order.billing_detail,
        "priceSnapshot": order.price_snapshot,
        "successUrl": order.success_url,
        "paymentId": order.payment_id,
        "checkoutUrl": order.checkout_url,
        "createdAt": timestamp(order.created_at),
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
        "price": session.price,
        "buyerEmail": session.buyer_email,
        "billingDetail": session.billing_detail,
        "successUrl": session.success_url,
        "metadata": session.metadata,
        "orderMerchantExternalId": session.order_merchant_external_id,
        "expiresAt": timestamp(session.expires_at),
        "createdAt": timestamp(session.created_at),
    }
