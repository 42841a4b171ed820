"""One handler per operationId of the contracts: typed command in, domain call, view out.

Handlers are grouped by the narrow services they need (moto's `responses.py` style); the pipeline
gives each call its unit of work, its time and its caller. `@operation` names the command type an
operation's parameters and body become, and whether it writes.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from .. import codec
from ..adapters.clock import BusinessClock
from ..adapters.psp import FakePsp
from ..adapters.store import SqlTransaction
from ..adapters.tokens import TokenCodec
from ..adapters.worlds import Tenants
from ..adapters import deliveries
from ..domain import (auth, cards, catalog, checkout, commands, errors, events, groups, lifecycle, orders, payments,
                      refunds, safety, stores, subscriptions, trials, webhooks)
from ..domain.model import (ONETIME, SUBSCRIPTION, CheckoutSession, DeliveryAttempt, Order, Payment, Product,
                            ProductVersion, WebhookDelivery)
from . import views
from .envelope import ok
from .pipeline import Call, Handler

YEARS = range(1970, 3000)  # where business time may go; far enough for any test, clear of overflow


def operation(command: type | None = None, *, writes: bool = True,
              latency: t.Callable[[SqlTransaction], float] | None = None, draft: str | None = None,
              refusal: str | None = None, blocking: bool = False):
    """`latency(tx)` says how long the slow dependency's call takes; `draft` names the group's method
    that reads ahead on a snapshot, outside the writer; `refusal` the group's method that answers a
    refusal outside the JSON envelope; `blocking`: slow work of its own (pipeline.Handler)."""
    def mark(method):
        method.operation = (command, writes, latency, draft, refusal, blocking)
        return method
    return mark


def handlers_of(*groups: object) -> dict[str, Handler]:
    """Every marked method of the groups, by operationId (the method's name in camelCase)."""
    found = {}
    for group in groups:
        for name in dir(group):
            method = getattr(group, name)
            if hasattr(method, "operation"):
                command, writes, latency, draft, refusal, blocking = method.operation
                found[codec.camel(name)] = Handler(method, command, writes, latency, draft and getattr(group, draft),
                                                   refusal and getattr(group, refusal), blocking)
    return found


class Tokens:
    def __init__(self, tokens: TokenCodec):
        self.tokens = tokens

    @operation(commands.IssueSessionToken)
    def issue_session_token(self, call: Call, command: commands.IssueSessionToken) -> dict:
        token = auth.issue_token(call.tx, call.principal, command, call.now)
        jwt = self.tokens.encode(token.id, token.store_id, token.role)
        return ok({"token": jwt, "expiresAt": views.timestamp(token.expires_at)})


class Checkout:
    @operation(commands.CreateCheckoutSession)
    def create_checkout_session(self, call: Call, command: commands.CreateCheckoutSession) -> dict:
        session, store = checkout.create_session(call.tx, call.principal, command, call.now)
        page = "checkout" if session.plan_change is None else "change"
        url = f"{call.world.base_url}/store/{store.slug}/{page}/{session.id}"
        return ok({"sessionId": session.id, "checkoutUrl": url, "expiresAt": views.timestamp(session.expires_at)})


class Stores:
    @operation(commands.CreateStore)
    def create_store(self, call: Call, command: commands.CreateStore) -> dict:
        return ok({"store": views.store(stores.create_store(call.tx, call.principal, command, call.now))})

    @operation(commands.UpdateStore)
    def update_store(self, call: Call, command: commands.UpdateStore) -> dict:
        store, warnings = stores.update_store(call.tx, call.principal, command, call.now)
        return ok({"store": views.store(store)}, warnings)

    @operation(commands.ById)
    def delete_store(self, call: Call, command: commands.ById) -> dict:
        return ok({"store": views.store(stores.delete_store(call.tx, call.principal, command, call.now))})


class Catalog:
    """Both product types share the rules; each operation names its type."""

    @operation(commands.CreateProduct)
    def create_onetime_product(self, call: Call, command: commands.CreateProduct) -> dict:
        return self._answer(catalog.create_product(call.tx, call.principal.merchant_id, command, ONETIME, call.now))

    @operation(commands.UpdateProduct)
    def update_onetime_product(self, call: Call, command: commands.UpdateProduct) -> dict:
        return self._answer(catalog.update_product(call.tx, call.principal.merchant_id, command, ONETIME, call.now))

    @operation(commands.ById)
    def publish_onetime_product(self, call: Call, command: commands.ById) -> dict:
        return self._answer(catalog.publish_product(call.tx, call.principal.merchant_id, command, ONETIME, call.now))

    @operation(commands.SetProductStatus)
    def update_onetime_product_status(self, call: Call, command: commands.SetProductStatus) -> dict:
        return self._answer(catalog.set_product_status(call.tx, call.principal.merchant_id, command, ONETIME, call.now))

    @operation(commands.CreateProduct)
    def create_subscription_product(self, call: Call, command: commands.CreateProduct) -> dict:
        return self._answer(catalog.create_product(call.tx, call.principal.merchant_id, command, SUBSCRIPTION, call.now))

    @operation(commands.UpdateProduct)
    def update_subscription_product(self, call: Call, command: commands.UpdateProduct) -> dict:
        return self._answer(catalog.update_product(call.tx, call.principal.merchant_id, command, SUBSCRIPTION, call.now))

    @operation(commands.ById)
    def publish_subscription_product(self, call: Call, command: commands.ById) -> dict:
        return self._answer(catalog.publish_product(call.tx, call.principal.merchant_id, command, SUBSCRIPTION,
                                                    call.now))

    @operation(commands.SetProductStatus)
    def update_subscription_product_status(self, call: Call, command: commands.SetProductStatus) -> dict:
        return self._answer(catalog.set_product_status(call.tx, call.principal.merchant_id, command, SUBSCRIPTION,
                                                       call.now))

    @staticmethod
    def _answer(stored: tuple[Product, ProductVersion]) -> dict:
        return ok({"product": views.product(*stored)})


class Groups:
    @operation(commands.CreateGroup)
    def create_product_group(self, call: Call, command: commands.CreateGroup) -> dict:
        return ok({"group": views.group(groups.create_group(call.tx, call.principal, command, call.now))})

    @operation(commands.UpdateGroup)
    def update_product_group(self, call: Call, command: commands.UpdateGroup) -> dict:
        return ok({"group": views.group(groups.update_group(call.tx, call.principal, command, call.now))})

    @operation(commands.ById)
    def delete_product_group(self, call: Call, command: commands.ById) -> dict:
        return ok({"group": views.group(groups.delete_group(call.tx, call.principal, command))})

    @operation(commands.ById)
    def publish_product_group(self, call: Call, command: commands.ById) -> dict:
        return ok({"group": views.group(groups.publish_group(call.tx, call.principal, command, call.now))})


class Refunds:
    @operation(commands.CreateRefundTicket)
    def create_refund_ticket(self, call: Call, command: commands.CreateRefundTicket) -> dict:
        return ok({"ticket": views.refund_ticket(refunds.create_ticket(call.tx, call.principal, command, call.now))})

    @operation(commands.ResubmitRefundTicket)
    def resubmit_refund_ticket(self, call: Call, command: commands.ResubmitRefundTicket) -> dict:
        return ok({"ticket": views.refund_ticket(refunds.resubmit_ticket(call.tx, call.principal, command, call.now))})

    @operation(commands.ReviewRefundTicket)  # the control plane's
    def review_refund_ticket(self, call: Call, command: commands.ReviewRefundTicket) -> dict:
        return views.refund_ticket(refunds.review_ticket(call.tx, command, call.now))

    @operation(commands.SettleRefundTicket)  # the control plane's
    def settle_refund_ticket(self, call: Call, command: commands.SettleRefundTicket) -> dict:
        return views.refund_ticket(refunds.settle_now(call.tx, command.ticket_id, command.outcome, call.now))


class ContentSafety:
    @operation(commands.ScanPrompt)  # a write: its requestId comes from the run's id counters
    def scan_prompt(self, call: Call, command: commands.ScanPrompt) -> dict:
        return ok(safety.scan_prompt(call.tx, command))


class Webhooks:
    @operation(commands.AddWebhook)
    def add_webhook(self, call: Call, command: commands.AddWebhook) -> dict:
        return ok({"webhook": views.webhook(webhooks.add_webhook(call.tx, call.principal, command, call.now))})

    @operation(commands.UpdateWebhook)
    def update_webhook(self, call: Call, command: commands.UpdateWebhook) -> dict:
        return ok({"webhook": views.webhook(webhooks.update_webhook(call.tx, call.principal, command, call.now))})

    @operation(commands.ById)
    def remove_webhook(self, call: Call, command: commands.ById) -> dict:
        return ok({"webhook": views.webhook(webhooks.remove_webhook(call.tx, call.principal, command))})


class Orders:
    def __init__(self, rules: orders.OrderRules):
        self.rules = rules

    @operation(commands.PreviewTax, writes=False)
    def preview_tax(self, call: Call, command: commands.PreviewTax) -> dict:
        return ok(orders.preview_tax(call.tx, call.principal, command, call.now, self.rules))

    @operation(commands.PreviewTrial, writes=False)
    def preview_trial(self, call: Call, command: commands.PreviewTrial) -> dict:
        eligible, days = trials.preview_trial(call.tx, call.principal, command, call.now)
        return ok({"isEligible": eligible, "trialDays": days})

    @operation(commands.CreateOrder, latency=FakePsp.latency, draft="draft_order")
    def create_onetime_order(self, call: Call, command: commands.CreateOrder) -> dict:
        return self._create(call, command, ONETIME)

    @operation(commands.CreateOrder, latency=FakePsp.latency, draft="draft_order")
    def create_subscription_order(self, call: Call, command: commands.CreateOrder) -> dict:
        return self._create(call, command, SUBSCRIPTION)

    @operation(commands.OrderRef)
    def cancel_onetime_order(self, call: Call, command: commands.OrderRef) -> dict:
        order = payments.cancel_order(call.tx, call.principal, command.order_id, call.now)
        return ok({"orderId": order.id, "status": order.status})

    @operation(commands.OrderRef)
    def cancel_subscription_order(self, call: Call, command: commands.OrderRef) -> dict:
        order = subscriptions.cancel_subscription(call.tx, call.principal, command.order_id, call.now)
        return ok({"orderId": order.id, "status": order.status})

    @operation(commands.OrderRef)
    def reactivate_subscription_order(self, call: Call, command: commands.OrderRef) -> dict:
        order = subscriptions.reactivate_subscription(call.tx, call.principal, command.order_id, call.now)
        return ok({"orderId": order.id, "status": order.status})

    def draft_order(self, tx: SqlTransaction, command: commands.CreateOrder,
                    now: datetime) -> orders.OrderDraft | None:
        return orders.draft_order(tx, command, now, self.rules)

    def _create(self, call: Call, command: commands.CreateOrder, order_type: str) -> dict:
        order = orders.create_order(call.tx, call.world.psp, call.principal, command, order_type, call.now, self.rules,
                                    call.draft)
        return ok({"checkoutUrl": order.checkout_url})


def page(items: list, limit: int, name: str, render: t.Callable[[t.Any], dict], cursor: t.Callable[[t.Any], str]) -> dict:
    """A page of at most `limit` items (the store fetched one more, to know whether a next page exists)."""
    shown = items[:limit]
    return {name: [render(item) for item in shown], "nextCursor": cursor(shown[-1]) if len(items) > limit else None}


def by_creation(call: Call, kind: type, command: commands.CreationPage, name: str, render: t.Callable[[t.Any], dict],
                **where: t.Any) -> dict:
    """A page of `kind` in creation order, oldest or newest first, of the rows whose given fields match."""
    where = {field: value for field, value in where.items() if value is not None}
    found = call.tx.page(kind, ("created_at", "id"), command.limit, views.creation_position(command.cursor),
                         descending=command.sort == "newest", **where)
    return page(found, command.limit, name, render, views.creation_cursor)


def _moment(text: str) -> datetime:
    """An ISO 8601 date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.upper())  # RFC 3339 allows a lower-case t and z
    except ValueError:
        raise errors.INVALID_FIELD.error(field="now", expected="an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Control:
    """The control plane: test-only views and levers over the whole mock."""

    def __init__(self, clock: BusinessClock, rules: orders.OrderRules):
        self.clock = clock
        self.rules = rules

    @operation()
    def reset_state(self, call: Call, _command: None) -> dict:
        call.world.reset(call.tx)
        return {"reset": True}

    @operation(commands.ListOrders, writes=False)
    def list_orders(self, call: Call, command: commands.ListOrders) -> dict:
        return by_creation(call, Order, command, "orders", views.order_record,
                           checkout_session_id=command.checkout_session_id, status=command.status)

    @operation(commands.ListPayments, writes=False)
    def list_payments(self, call: Call, command: commands.ListPayments) -> dict:
        return by_creation(call, Payment, command, "payments", views.payment_record, order_id=command.order_id)

    @operation(commands.OrderRef, writes=False)
    def get_order(self, call: Call, command: commands.OrderRef) -> dict:
        order = call.tx.get(Order, command.order_id)
        if order is None:
            raise errors.NOT_FOUND.error()
        return views.order_detail(order, payments.payments_of(call.tx, order))

    @operation(commands.PayOrder)
    def pay_order(self, call: Call, command: commands.PayOrder) -> dict:
        number = command.card_number if command.card_number is not None else cards.OUTCOME_CARDS[command.outcome or "succeeded"]
        passed = command.challenge == "complete" and command.outcome != "authentication_failed"
        attempt = payments.pay_order(call.tx, call.world.psp, command.order_id, number, passed, call.now)
        order = attempt.page.order
        return {"order": views.order_detail(order, payments.payments_of(call.tx, order)),
                "payment": views.payment_record(attempt.payment)}

    @operation(commands.GetCheckoutSession, writes=False)
    def get_checkout_session(self, call: Call, command: commands.GetCheckoutSession) -> dict:
        session = call.tx.get(CheckoutSession, command.session_id)
        if session is None:
            raise errors.NOT_FOUND.error()
        return views.session_record(session, call.now)

    @operation(commands.GetCheckoutSession)
    def confirm_plan_change(self, call: Call, command: commands.GetCheckoutSession) -> dict:
        order = subscriptions.change_plan(call.tx, command.session_id, self.rules, call.now)
        return views.order_detail(order, payments.payments_of(call.tx, order))

    @operation(commands.EnableProduction)
    def set_store_production(self, call: Call, command: commands.EnableProduction) -> dict:
        return views.store(stores.enable_production(call.tx, command, call.now))

    @operation(writes=False)
    def get_clock(self, call: Call, _command: None) -> dict:
        return {"now": views.timestamp(call.now), "offsetSeconds": self.clock.offset(call.tx)}

    @operation(commands.SetClock)
    def set_clock(self, call: Call, command: commands.SetClock) -> dict:
        if command.now is not None:
            target = _moment(command.now)
            if target.year not in YEARS:
                raise errors.INVALID_FIELD.error(field="now", expected=f"a time within the years {YEARS.start} to {YEARS.stop - 1}")
            self.clock.travel_to(call.tx, target)
        else:
            try:
                target = call.now + timedelta(seconds=command.advance_seconds)
            except OverflowError:
                target = None
            if target is None or target.year not in YEARS:
                raise errors.CLOCK_OUT_OF_RANGE.error(first=YEARS.start, last=YEARS.stop - 1)
            self.clock.advance(call.tx, command.advance_seconds)
        lifecycle.catch_up(call.tx, target)
        return {"now": views.timestamp(target), "offsetSeconds": self.clock.offset(call.tx)}

    @operation(commands.FailRenewals)
    def fail_renewals(self, call: Call, command: commands.FailRenewals) -> dict:
        return views.subscription_billing(subscriptions.plan_failures(call.tx, command.order_id, command.count))

    @operation()
    def reset_clock(self, call: Call, _command: None) -> dict:
        self.clock.back_to_wall_time(call.tx)
        return {"now": views.timestamp(self.clock.wall.now()), "offsetSeconds": 0}

    @operation(writes=False)
    def get_psp_faults(self, call: Call, _command: None) -> dict:
        return codec.dump(FakePsp.faults(call.tx))

    @operation(commands.SetPspFaults)
    def set_psp_faults(self, call: Call, command: commands.SetPspFaults) -> dict:
        return codec.dump(call.world.psp.set_faults(call.tx, command))

    @operation()
    def clear_psp_faults(self, call: Call, _command: None) -> dict:
        return codec.dump(call.world.psp.set_faults(call.tx, commands.SetPspFaults()))

    @operation(commands.ListPspCalls, writes=False)
    def list_psp_calls(self, call: Call, command: commands.ListPspCalls) -> dict:
        after = int(command.cursor) if command.cursor is not None else None
        found = call.world.psp.journal(call.tx, command.limit, after, command.outcome)
        return page(found, command.limit, "calls", lambda entry: {
            "id": entry["id"], "at": views.timestamp(entry["at"]), "operation": entry["operation"],
            "request": entry["request"], "outcome": entry["outcome"], "reason": entry["reason"],
            "checkoutUrl": entry["checkout_url"]}, lambda entry: str(entry["id"]))


class TenantDirectory:
    """The mock's tenants: made, listed and deleted at the mock's own base URL (adapters/worlds.py)."""

    def __init__(self, tenants: Tenants):
        self.tenants = tenants

    @operation(blocking=True)  # a new store and RSA keys: about 0.3 s, off the event loop
    def create_tenant(self, call: Call, _command: None) -> dict:
        _at_root(call)
        return self.tenants.create(call.tx, call.now)

    @operation(writes=False)
    def list_tenants(self, call: Call, _command: None) -> dict:
        _at_root(call)
        return {"tenants": [{"tenantId": tenant_id, "baseUrl": self.tenants.base_url(tenant_id),
                             "createdAt": views.timestamp(created_at)} for tenant_id, created_at in self.tenants.listed(call.tx)]}

    @operation(commands.TenantRef, writes=False, blocking=True)  # it may open the tenant's store
    def get_tenant(self, call: Call, command: commands.TenantRef) -> dict:
        _at_root(call, errors.TENANT_NOT_FOUND)
        world = self.tenants.opened(command.tenant_id)
        if world is None:
            raise errors.TENANT_NOT_FOUND.error()
        return world.credentials()

    @operation(commands.TenantRef)
    def delete_tenant(self, call: Call, command: commands.TenantRef) -> dict:
        _at_root(call, errors.TENANT_NOT_FOUND)
        if not self.tenants.delete(call.tx, command.tenant_id, call.now):
            raise errors.TENANT_NOT_FOUND.error()
        return {"deleted": command.tenant_id}


def _at_root(call: Call, refusal: errors.Problem = errors.TENANT_ONLY_AT_ROOT) -> None:
    if call.world.tenant_id is not None:
        raise refusal.error()


class Deliveries:
    """The control plane's view of the webhook outbox, and its levers."""

    @operation(writes=False)
    def get_webhook_public_keys(self, call: Call, _command: None) -> dict:
        return deliveries.public_keys(call.tx)

    @operation(commands.ListDeliveries, writes=False)
    def list_webhook_deliveries(self, call: Call, command: commands.ListDeliveries) -> dict:
        return by_creation(call, WebhookDelivery, command, "deliveries", views.delivery_record,
                           store_id=command.store_id, event_type=command.event_type, status=command.status)

    @operation(commands.DeliveryRef, writes=False)
    def get_webhook_delivery(self, call: Call, command: commands.DeliveryRef) -> dict:
        delivery = call.tx.get(WebhookDelivery, command.delivery_id)
        if delivery is None:
            raise errors.DELIVERY_NOT_FOUND.error()
        attempts = sorted(call.tx.find(DeliveryAttempt, delivery_id=delivery.id), key=lambda attempt: attempt.number)
        return views.delivery_detail(delivery, attempts)

    @operation(commands.DeliveryRef)
    def resend_webhook_delivery(self, call: Call, command: commands.DeliveryRef) -> dict:
        return views.delivery_record(events.resend(call.tx, command.delivery_id, call.now))

    @operation(commands.TriggerEvent)
    def trigger_webhook_event(self, call: Call, command: commands.TriggerEvent) -> dict:
        triggered = events.trigger(call.tx, command.order_id, command.event_type, call.now)
        return {"deliveries": [views.delivery_record(delivery) for delivery in triggered]}


class NotImplementedYet:
    """What the real API answers 501 to today, after authenticating the caller and reading the body."""

    @operation()
    def add_store_merchant(self, call: Call, _command: None) -> dict:
        raise errors.STORE_MERCHANTS_NOT_IMPLEMENTED.error()

    @operation()
    def remove_store_merchant(self, call: Call, _command: None) -> dict:
        raise errors.STORE_MERCHANTS_NOT_IMPLEMENTED.error()

    @operation()
    def update_store_merchant_role(self, call: Call, _command: None) -> dict:
        raise errors.STORE_MERCHANTS_NOT_IMPLEMENTED.error()

    @operation()
    def change_subscription_product(self, call: Call, _command: None) -> dict:
        raise errors.CHANGE_PRODUCT_NOT_IMPLEMENTED.error()
