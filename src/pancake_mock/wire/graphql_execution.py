"""The GraphQL engine behind `POST /v1/graphql` (wire/graphql.py): graphql-core over the
schema-first SDL (openapi/pancake.graphql).

A request is parsed with bounded tokens, refused with 403 when it is not a query, checked by
GraphQL's own rules plus a depth and an alias bound, and executed on one snapshot. What the caller
may see comes from domain/reads.py; every node is a dict whose relations are loaded lazily, in
batches: a page of orders loads the payments, products and stores of all its orders in one query
each, however many orders it has (no N+1).
"""

from __future__ import annotations

import dataclasses
import json
import typing as t
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    ValidationContext,
    ValidationRule,
    Visitor,
    build_schema,
    execute,
    get_named_type,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
    value_from_ast_untyped,
    visit,
)

from .. import codec, contract
from ..domain import analytics, commands, errors, fx, reads, refunds
from ..domain.model import (
    ONETIME,
    SUBSCRIPTION,
    DeliveryAttempt,
    Merchant,
    ApiKey,
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
from ..domain.money import display
from ..domain.tax import TaxResult
from ..domain.ports import Transaction
from .pipeline import Call

MAX_TOKENS = 10_000
MAX_DEPTH = 15  # GraphiQL's introspection query is 13 deep
MAX_ALIASES = 30
Node = dict[str, t.Any]


# --- the schema -----------------------------------------------------------------------------


def _moment(text: t.Any) -> datetime:
    if not isinstance(text, str):
        raise GraphQLError("DateTime must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(f"DateTime cannot represent {text!r}: ISO 8601 expected") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@cache
def schema() -> GraphQLSchema:
    built = build_schema(contract.GRAPHQL_SCHEMA.read_text(encoding="utf-8"))
    moment = built.type_map["DateTime"]
    moment.coerce_output_value = codec.timestamp
    moment.coerce_input_value = _moment
    moment.coerce_input_literal = lambda node: _moment(getattr(node, "value", None))
    anything = built.type_map["JSON"]
    anything.coerce_output_value = anything.coerce_input_value = lambda value: value
    anything.coerce_input_literal = lambda node: value_from_ast_untyped(node)
    return built


# --- the request ----------------------------------------------------------------------------


def answer(call: Call, command: commands.GraphqlQuery) -> dict:
    """The GraphQL answer to one request: {data} or {data, errors}; a mutation is a 403 refusal."""
    try:
        document = parse(command.query, max_lexical_tokens=MAX_TOKENS, max_comments=MAX_TOKENS)
    except GraphQLError as error:
        return _answer(None, [error], "GRAPHQL_PARSE_FAILED")
    chosen = get_operation_ast(document, command.operation_name)
    if chosen is not None and chosen.operation != OperationType.QUERY:
        raise errors.MUTATIONS_NOT_SUPPORTED.error()
    document = _ids_as_strings(schema(), document)
    problems = validate(schema(), document, (*specified_rules, DepthLimit, AliasLimit))
    if problems:
        return _answer(None, problems, "GRAPHQL_VALIDATION_FAILED")
    result = execute(schema(), document, root_value=Root(call.tx, call.principal, call.now),
                     variable_values=command.variables, operation_name=command.operation_name)
    return _answer(result.data, result.errors or [], "BAD_USER_INPUT")


def _answer(data: dict | None, problems: t.Sequence[GraphQLError], code: str) -> dict:
    """Errors in GraphQL's shape with the stage that made them (`layer`) and, as Apollo labels
    them, whether the request or the server is at fault (`extensions.code`): `code` unless a
    resolver failed unexpectedly (INTERNAL_SERVER_ERROR)."""
    answer: dict[str, t.Any] = {"data": data}
    if problems:
        answer["errors"] = [{**problem.formatted, "extensions": {"code": _code(problem, code)}, "layer": "graphql"}
                            for problem in problems]
    return answer


def _code(problem: GraphQLError, code: str) -> str:
    unexpected = problem.original_error is not None and not isinstance(problem.original_error, GraphQLError)
    return "INTERNAL_SERVER_ERROR" if unexpected else code


def _ids_as_strings(schema: GraphQLSchema, document):
    """A variable declared `String` where the schema wants `ID`, or the other way round, takes
    the type of where it is used: the real API's examples declare ids both ways. (One used in
    both kinds of place stays as declared, and GraphQL's own rule refuses it.)"""
    context = ValidationContext(schema, document, TypeInfo(schema), lambda _error: None)
    wanted: dict[tuple[int, str], set[str]] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for usage in context.get_recursive_variable_usages(definition):
                if usage.type is not None:
                    wanted.setdefault((id(definition), usage.node.name.value), set()).add(
                        get_named_type(usage.type).name)

    class Retype(Visitor):
        def enter_operation_definition(self, node, *_args):
            self.operation = id(node)

        def enter_variable_definition(self, node, *_args):
            named, wrappers = node.type, []
            while not isinstance(named, NamedTypeNode):
                wrappers.append(named)
                named = named.type
            targets = wanted.get((self.operation, node.variable.name.value), set())
            if len(targets) != 1 or {named.name.value, *targets} != {"ID", "String"}:
                return None
            retyped = dataclasses.replace(named, name=dataclasses.replace(named.name, value=targets.pop()))
            for wrapper in reversed(wrappers):
                retyped = dataclasses.replace(wrapper, type=retyped)
            return dataclasses.replace(node, type=retyped)

    return visit(document, Retype())


class DepthLimit(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        if self._depth(node.selection_set, 0, frozenset()) > MAX_DEPTH:
            self.report_error(GraphQLError(errors.QUERY_TOO_DEEP.error(maximum=MAX_DEPTH).message, node))

    def _depth(self, selection_set, depth: int, seen: frozenset[str]) -> int:
        deepest = depth
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found = self._depth(selection.selection_set, depth + 1, seen)
            elif isinstance(selection, InlineFragmentNode):
                found = self._depth(selection.selection_set, depth, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                fragment = self.context.get_fragment(selection.name.value)  # cycles are another rule's to report
                found = self._depth(fragment.selection_set, depth, seen | {selection.name.value}) if fragment else depth
            else:
                found = depth
            deepest = max(deepest, found)
        return deepest


class AliasLimit(ValidationRule):
    def __init__(self, context):
        super().__init__(context)
        self.aliases = 0

    def enter_field(self, node: FieldNode, *_args) -> None:
        if node.alias is not None:
            self.aliases += 1
            if self.aliases == MAX_ALIASES + 1:
                self.report_error(GraphQLError(errors.TOO_MANY_ALIASES.error(maximum=MAX_ALIASES).message, node))


# --- the roots ------------------------------------------------------------------------------


def _analytics(aggregate: Callable[..., Node]) -> Callable[..., t.Any]:
    """An analytics root: `aggregate(root, sales, filter, store_id)` over the store's orders of the
    filter's range; null when the caller may not see the store's figures."""
    def resolve(root: Root, store_id: str, filter: dict) -> Node | None:
        sales = root._sales(store_id, filter)
        return None if sales is None else aggregate(root, sales, filter, store_id)
    return _read(resolve)


def _read(resolve: Callable[..., t.Any]) -> Callable[..., t.Any]:
    """A root field: arguments in snake_case; a refusal of the domain (a limit out of range) as the
    field's GraphQL error."""
    def field(root: Root, _info, **arguments):
        try:
            return resolve(root, **{codec.snake(name): value for name, value in arguments.items()})
        except errors.ApiError as refusal:
            raise GraphQLError(refusal.message) from None
    return field


ON_ORDER = frozenset({"order_merchant_external_id"})


def _filters(values: dict | None, on_order: frozenset[str] = frozenset()) -> reads.Where:
    snake = {codec.snake(name): {codec.snake(op): value for op, value in (ops or {}).items()}
             for name, ops in (values or {}).items()}
    return reads.filters_of(snake, on_order)


class Root:
    """The query's root value: its snapshot, its caller, and the batches its nodes load from."""

    def __init__(self, tx: Transaction, principal: reads.Principal, now: datetime):
        self.tx = tx
        self.principal = principal
        self.now = now
        self.loader = Loader(tx)

    def _list(self, selection: reads.Selection, node: Callable[[t.Any], Node], filter=None, limit=None,
              offset=None, on_order=frozenset()) -> list[Node]:
        limit, offset = reads.page_bounds(limit, offset)
        if selection.nothing:
            return []
        selection = selection.narrowed(_filters(filter, on_order))
        found = self.tx.select(selection.kind, selection.where, selection.order, limit, offset, selection.descending)
        self.loader.expect(found)
        return [node(entity) for entity in found]

    @staticmethod
    def _none(limit: int | None, offset: int | None) -> list:
        reads.page_bounds(limit, offset)  # the bounds hold for an empty list too
        return []

    def _count(self, selection: reads.Selection, filter=None, on_order=frozenset()) -> int:
        if selection.nothing:
            return 0
        selection = selection.narrowed(_filters(filter, on_order))
        return self.tx.count(selection.kind, selection.where)

    def _one(self, selection: reads.Selection, key: str, node: Callable[[t.Any], Node]) -> Node | None:
        found = reads.one(self.tx, selection, key)
        if found is None:
            return None
        self.loader.expect([found])
        return node(found)

    # Stores and the merchant.
    stores = _read(lambda root, filter=None, limit=None, offset=None:
                   root._list(reads.stores(root.tx, root.principal), root.store_node, filter, limit, offset))
    storesCount = _read(lambda root, filter=None: root._count(reads.stores(root.tx, root.principal), filter))
    store = _read(lambda root, id: root._one(reads.stores(root.tx, root.principal), id, root.store_node))

    @_read
    def merchant(self, id: str) -> Node | None:
        found = reads.merchant(self.tx, self.principal, id)
        return self.merchant_node(found) if found else None

    # Products.
    onetimeProducts = _read(lambda root, store_id, filter=None, limit=None, offset=None: root._list(
        reads.products(root.tx, root.principal, store_id, ONETIME), root.product_node, filter, limit, offset))
    onetimeProductsCount = _read(lambda root, store_id, filter=None: root._count(
        reads.products(root.tx, root.principal, store_id, ONETIME), filter))
    onetimeProduct = _read(lambda root, id: root._one(
        reads.products(root.tx, root.principal, None, ONETIME), id, root.product_node))
    onetimeProductVersions = _read(lambda root, product_id: root.versions(ONETIME, product_id))
    subscriptionProducts = _read(lambda root, store_id, filter=None, limit=None, offset=None: root._list(
        reads.products(root.tx, root.principal, store_id, SUBSCRIPTION), root.product_node, filter, limit, offset))
    subscriptionProductsCount = _read(lambda root, store_id, filter=None: root._count(
        reads.products(root.tx, root.principal, store_id, SUBSCRIPTION), filter))
    subscriptionProduct = _read(lambda root, id: root._one(
        reads.products(root.tx, root.principal, None, SUBSCRIPTION), id, root.product_node))
    subscriptionProductVersions = _read(lambda root, product_id: root.versions(SUBSCRIPTION, product_id))
    @_read
    def subscriptionProductGroups(self, store_id: str) -> list[Node]:
        selection = reads.groups(self.tx, self.principal, store_id)
        if selection.nothing:
            return []
        return [self.group_node(group) for group in self.tx.select(ProductGroup, selection.where, ("created_at", "id"),
                                                                   None, 0, False)]

    subscriptionProductGroupsCount = _read(lambda root, store_id: root._count(reads.groups(root.tx, root.principal,
                                                                                            store_id)))

    def versions(self, product_type: str, product_id: str) -> list[Node]:
        product = reads.one(self.tx, reads.products(self.tx, self.principal, None, product_type), product_id)
        if product is None:
            return []
        found = sorted(self.tx.find(ProductVersion, product_id=product.id), key=lambda version: version.number)
        return [self.version_node(product, version) for version in found]

    # Orders and payments.
    onetimeOrders = _read(lambda root, store_id, filter=None, limit=None, offset=None: root._list(
        reads.orders(root.tx, root.principal, store_id, ONETIME), root.order_node, filter, limit, offset))
    onetimeOrdersCount = _read(lambda root, store_id, filter=None: root._count(
        reads.orders(root.tx, root.principal, store_id, ONETIME), filter))
    onetimeOrder = _read(lambda root, id: root._one(
        reads.orders(root.tx, root.principal, None, ONETIME), id, root.order_node))
    subscriptionOrders = _read(lambda root, store_id, filter=None, limit=None, offset=None: root._list(
        reads.orders(root.tx, root.principal, store_id, SUBSCRIPTION), root.order_node, filter, limit, offset))
    subscriptionOrdersCount = _read(lambda root, store_id, filter=None: root._count(
        reads.orders(root.tx, root.principal, store_id, SUBSCRIPTION), filter))
    subscriptionOrder = _read(lambda root, id: root._one(
        reads.orders(root.tx, root.principal, None, SUBSCRIPTION), id, root.order_node))
    payments = _read(lambda root, filter=None, limit=None, offset=None: root._list(
        reads.payments(root.tx, root.principal), root.payment_node, filter, limit, offset, ON_ORDER))
    paymentsCount = _read(lambda root, filter=None: root._count(reads.payments(root.tx, root.principal), filter, ON_ORDER))
    refundTickets = _read(lambda root, filter=None, limit=None, offset=None: root._list(
        reads.refund_tickets(root.tx, root.principal), root.ticket_node, filter, limit, offset))
    refundTicketsCount = _read(lambda root, filter=None: root._count(reads.refund_tickets(root.tx, root.principal), filter))
    refunds = _read(lambda root, filter=None, limit=None, offset=None: root._list(
        root._refunds(filter), root.refund_node, None, limit, offset))
    refundsCount = _read(lambda root, filter=None: root._count(root._refunds(filter)))

    # The merchant's memberships and keys, e-mails (none are sent), exchange rates.
    storeMerchantsCount = _read(lambda root: len(reads.visible_store_ids(root.tx, root.principal))
                                if isinstance(root.principal, reads.MerchantPrincipal) else 0)
    apiKeysCount = _read(lambda root: len(root.tx.find(ApiKey, merchant_id=root.principal.merchant_id))
                         if isinstance(root.principal, reads.MerchantPrincipal) else 0)
    emailDeliveries = _read(lambda root, store_id, filter=None, limit=None, offset=None: root._none(limit, offset))
    emailDeliveriesCount = _read(lambda root, store_id, filter=None: 0)

    @_read
    def rate(self, from_currency: str, to_currency: str) -> Node:
        quote = fx.quote(from_currency, to_currency, self.now)
        return {"fromCurrency": quote.from_currency, "toCurrency": quote.to_currency,
                "standardRate": f"{quote.standard_rate:f}", "rateRefId": quote.rate_ref_id,
                "expiryTime": quote.expiry_time}

    # Analytics: a store's orders of a time range, with their payments, aggregated (domain/analytics.py).
    @_analytics
    def orderStatistics(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "totalCount": len(sales),
            "countsByStatus": lambda _info: analytics.counts_by_status(sales),
            "countsByPeriod": lambda _info, granularity: analytics.counts_by_period(sales, granularity),
            "revenueByCurrency": lambda _info: analytics.revenue_by_currency(sales),
            "revenueByPeriod": lambda _info, granularity, currency: analytics.revenue_by_period(sales, granularity, currency),
            "buyerMetrics": lambda _info: analytics.buyer_metrics(sales, self._earlier_buyers(store_id, filter)),
            "revenueByCountry": lambda _info, currency: analytics.revenue_by_country(sales, currency),
            "ordersByCountry": lambda _info: analytics.orders_by_country(sales),
            "b2bVsB2cBreakdown": lambda _info, currency: analytics.business_breakdown(sales, currency),
            "revenueByState": lambda _info, country, currency: analytics.revenue_by_state(sales, country, currency),
        }

    @_analytics
    def paymentStatistics(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        currency = filter.get("currency")
        return {
            "successRate": lambda _info: analytics.success_rate(sales),
            "failedReasons": lambda _info: analytics.failed_reasons(sales),
            "refunds": analytics.no_refunds(),
            "methodDistribution": lambda _info: analytics.method_distribution(sales, currency),
            "cardBrandDistribution": lambda _info: analytics.card_brand_distribution(sales, currency),
            "taxSummary": lambda _info: analytics.tax_summary(sales),
            "preTaxRevenueByCurrency": lambda _info: analytics.pre_tax_revenue_by_currency(sales),
            "settlementRevenueByCurrency": lambda _info: analytics.revenue_by_currency(sales),
        }

    @_analytics
    def productStatistics(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        products = self.tx.find(Product, store_id=store_id)
        return {
            "onetimeCountsByStatus": analytics.product_counts(products, ONETIME),
            "subscriptionCountsByStatus": analytics.product_counts(products, SUBSCRIPTION),
            "onetimeTotalCount": sum(1 for p in products if p.type == ONETIME),
            "subscriptionTotalCount": sum(1 for p in products if p.type == SUBSCRIPTION),
            "topByOrderCount": lambda _info, limit=None: analytics.top_products(sales, limit, None),
            "topByRevenue": lambda _info, currency, limit=None: analytics.top_products(sales, limit, currency),
            "revenueContribution": lambda _info, currency: analytics.revenue_contribution(sales, currency),
        }

    @_analytics
    def trendAnalysis(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "orderGrowth": lambda _info, granularity: analytics.order_growth(sales, granularity),
            "revenueGrowth": lambda _info, granularity, currency: analytics.revenue_growth(sales, granularity, currency),
            "cumulativeRevenue": lambda _info, granularity, currency: analytics.cumulative_revenue(
                sales, granularity, currency),
            "orderMovingAverage": lambda _info, windowDays: analytics.order_moving_average(sales, windowDays),
            "revenueMovingAverage": lambda _info, windowDays, currency: analytics.revenue_moving_average(
                sales, windowDays, currency),
        }

    @_analytics
    def distributionAnalysis(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "orderAmountPercentiles": lambda _info, currency: analytics.percentiles(sales, currency),
            "aovTrend": lambda _info, granularity, currency: analytics.aov_trend(sales, granularity, currency),
            "orderAmountBuckets": lambda _info, currency, bucketCount=None: analytics.order_amount_buckets(
                sales, currency, bucketCount),
        }

    @_analytics
    def customerAnalysis(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "cohortRetention": lambda _info, granularity: analytics.cohort_retention(sales, granularity),
            "ltvDistribution": lambda _info, currency: analytics.ltv_distribution(sales, currency),
            "purchaseFrequency": lambda _info: analytics.purchase_frequency(sales),
            "repeatPurchaseRate": lambda _info, granularity: analytics.repeat_purchase_rate(sales, granularity),
            "topCustomers": lambda _info, currency, limit=None: analytics.top_customers(sales, limit, currency),
        }

    @_analytics
    def taxAnalysis(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "byCategory": lambda _info, currency: analytics.tax_by_category(sales, currency),
            "byRateGroup": lambda _info, currency: analytics.tax_by_rate(sales, currency),
            "byCountry": lambda _info, currency: analytics.tax_by_country(sales, currency),
            "b2bVsB2c": lambda _info, currency: analytics.business_breakdown(sales, currency, with_tax=True),
            "effectiveTaxRateTrend": lambda _info, granularity, currency: analytics.effective_tax_rate_trend(
                sales, granularity, currency),
            "taxAmountByPeriod": lambda _info, granularity, currency: analytics.tax_amount_by_period(
                sales, granularity, currency),
        }

    @_analytics
    def subscriptionAnalysis(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "billingPeriodDistribution": lambda _info, currency: analytics.billing_period_distribution(sales, currency),
            "activeCount": analytics.active_subscriptions(sales),
            "cancellationStats": lambda _info: analytics.cancellation_stats(sales),
            "cancellationTrend": lambda _info, granularity: [],
            "trialConversion": analytics.NO_TRIALS,
            "trialConversionByProduct": [],
            "churnRate": lambda _info, granularity: [],
        }

    @_analytics
    def refundTicketAnalysis(self, sales: list[analytics.Sale], filter: dict, store_id: str) -> Node:
        return {
            "reasonDistribution": lambda _info, currency: [], "statusDistribution": [],
            "reviewEfficiency": analytics.NO_REVIEWS, "ticketTrend": lambda _info, granularity: [],
            "approvalRate": analytics.NO_APPROVALS, "processingSuccessRate": analytics.NO_PROCESSING,
        }

    def _range(self, store_id: str, filter: dict) -> tuple[reads.Selection, datetime, datetime] | None:
        if not isinstance(self.principal, reads.MerchantPrincipal):
            return None
        selection = reads.orders(self.tx, self.principal, store_id, None)
        if selection.nothing:
            return None
        span = filter["timeRange"]
        return selection, _moment(span["startDate"]), _moment(span["endDate"])

    def _sales(self, store_id: str, filter: dict) -> list[analytics.Sale] | None:
        """The store's orders created in the filter's range (of its currency and status), each with
        its payments; None when the caller may not see the store's figures."""
        found = self._range(store_id, filter)
        if found is None:
            return None
        selection, start, end = found
        where = selection.where + (reads.Condition("created_at", "gte", start), reads.Condition("created_at", "lt", end))
        for name, value in (("currency", filter.get("currency")), ("status", filter.get("status"))):
            if value is not None:
                where += (reads.Condition(name, "eq", value.upper() if name == "currency" else value),)
        orders = self.tx.select(Order, where, ("created_at", "id"), None, 0, False)
        self.loader.expect(orders)
        sales = []
        for order in orders:
            version = self.loader.version(order.product_id, order.product_version)
            sales.append(analytics.Sale(order, tuple(self.loader.payments_of(order.id)), version.name if version else "",
                                        version.billing_period if version else None))
        return sales

    def _earlier_buyers(self, store_id: str, filter: dict) -> set[str]:
        selection, start, _end = self._range(store_id, filter)
        earlier = self.tx.select(Order, selection.where + (reads.Condition("created_at", "lt", start),),
                                 ("created_at", "id"), None, 0, False)
        return {order.buyer_email for order in earlier}

    # Webhook deliveries.
    webhookDeliveries = _read(lambda root, store_id, filter=None, limit=None, offset=None: root._list(
        reads.deliveries(root.tx, root.principal, store_id), root.delivery_node, filter, limit, offset))
    webhookDeliveriesCount = _read(lambda root, store_id, filter=None: root._count(
        reads.deliveries(root.tx, root.principal, store_id), filter))

    # --- the nodes: the SDL's fields, relations resolved from the loader's batches ---

    def store_node(self, store: Store) -> Node:
        return {
            "id": store.id, "name": store.name, "slug": store.slug, "status": store.status,
            "prodEnabled": store.prod_enabled, "supportEmail": store.support_email, "website": store.website,
            "createdAt": store.created_at, "updatedAt": store.updated_at,
            "storeWebhooks": lambda _info: [self.webhook_node(webhook) for webhook in self._webhooks(store)],
        }

    def _webhooks(self, store: Store) -> list[Webhook]:
        if not isinstance(self.principal, reads.MerchantPrincipal) or store.merchant_id != self.principal.merchant_id:
            return []
        return sorted(self.tx.find(Webhook, store_id=store.id), key=lambda webhook: (webhook.created_at, webhook.id))

    @staticmethod
    def webhook_node(webhook: Webhook) -> Node:
        return {"id": webhook.id, "storeId": webhook.store_id, "channel": webhook.channel, "url": webhook.url,
                "events": webhook.events, "testMode": webhook.test_mode, "secret": webhook.secret,
                "createdAt": webhook.created_at, "updatedAt": webhook.updated_at}

    def merchant_node(self, merchant: Merchant) -> Node:
        return {
            "id": merchant.id, "name": merchant.name, "email": None, "status": "active",
            "createdAt": merchant.created_at,
            "storeMerchants": lambda _info: [{"role": "owner", "store": self.store_node(store)}
                                             for store in self.tx.find(Store, merchant_id=merchant.id)],
            "apiKeys": lambda _info: [
                {"id": str(key.id), "nickname": None, "environment": key.environment, "recentlyUsed": False,
                 "createdAt": key.created_at} for key in self.tx.find(ApiKey, merchant_id=merchant.id)],
        }

    def product_node(self, product: Product) -> Node:
        version = lambda: self.loader.version(product.id, product.version)  # noqa: E731
        return {
            "id": product.id, "storeId": product.store_id, "status": product.status, "version": product.version,
            "hasTestVersion": True, "hasProdVersion": product.prod_version is not None,
            "createdAt": product.created_at, "updatedAt": product.updated_at,
            "store": lambda _info: self._store(product.store_id),
            **{name: (lambda _info, read=read: read(version())) for name, read in _VERSION_FIELDS.items()},
        }

    def version_node(self, product: Product, version: ProductVersion) -> Node:
        return {"id": _version_id(version), "productId": product.id, "versionNumber": version.number,
                "isTestVersion": version.number == product.version, "isProdVersion": version.number == product.prod_version,
                "createdAt": version.created_at, **{name: read(version) for name, read in _VERSION_FIELDS.items()}}

    def group_node(self, group: ProductGroup) -> Node:
        def products(_info) -> list[Node]:
            visible = reads.products(self.tx, self.principal, group.store_id, SUBSCRIPTION)
            if visible.nothing or not group.product_ids:
                return []
            found = {product.id: product for product in self.tx.select(
                Product, visible.where + (reads.Condition("id", "in", tuple(group.product_ids)),), ("id",), None, 0, False)}
            return [self.product_node(found[product_id]) for product_id in group.product_ids if product_id in found]
        return {"id": group.id, "storeId": group.store_id, "name": group.name, "description": group.description,
                "rules": codec.dump(group.rules), "environment": group.environment, "productIds": group.product_ids,
                "products": products, "createdAt": group.created_at, "updatedAt": group.updated_at}

    def _store(self, store_id: str) -> Node | None:
        found = self.loader.one(Store, store_id)
        return self.store_node(found) if found else None

    def order_node(self, order: Order) -> Node:
        snapshot = order.price_snapshot
        amounts = _amounts(snapshot, order.currency)
        product = lambda _info: self._product(order.product_id)  # noqa: E731
        subscription = order.type == SUBSCRIPTION
        return {
            "id": order.id, "storeId": order.store_id, "buyerEmail": order.buyer_email, "currency": order.currency,
            "status": order.status, "testMode": order.environment == "test",
            "orderMerchantExternalId": order.order_merchant_external_id, "metadata": order.metadata,
            "priceSnapshot": {"currency": order.currency, "regularPhase": amounts,
                              "specialPhase": order.special_phase and _amounts(order.special_phase, order.currency),
                              "specialPhaseDays": order.special_phase_days} if subscription
            else {"currency": order.currency, **amounts},
            "billingDetail": codec.present(order.billing_detail),
            "billingPeriod": lambda _info: _field(self.loader.version(order.product_id, order.product_version),
                                                  "billing_period"),
            **{name: (lambda _info, field=field: _field(self.loader.subscription_of(order.id), field))
               for name, field in (("currentPeriodStart", "current_period_start"),
                                   ("currentPeriodEnd", "current_period_end"), ("canceledAt", "canceled_at"))},
            "store": lambda _info: self._store(order.store_id),
            "subscriptionProduct" if subscription else "onetimeProduct": product,
            "productVersion": lambda _info: self._ordered_version(order),
            "payments": lambda _info: [self.payment_node(payment) for payment in self.loader.payments_of(order.id)],
            "createdAt": order.created_at, "updatedAt": order.updated_at or order.created_at,
        }

    def _product(self, product_id: str) -> Node | None:
        found = self.loader.one(Product, product_id)
        return self.product_node(found) if found else None

    def _ordered_version(self, order: Order) -> Node | None:
        version = self.loader.version(order.product_id, order.product_version)
        if version is None:
            return None
        return {"id": _version_id(version), "versionNumber": version.number, "name": version.name,
                "description": version.description}

    def _refunds(self, filter: dict | None) -> reads.Selection:
        """Refunds are the tickets carried out (succeeded or failed), known by their refund's id;
        an order's external id is the ticket's payment's order's."""
        selection = reads.refund_tickets(self.tx, self.principal)
        if selection.nothing:
            return selection
        renamed = {("refundId" if name == "id" else name): ops for name, ops in (filter or {}).items()}
        on_order = renamed.pop("orderMerchantExternalId", None)
        where = (reads.Condition("status", "in", ("succeeded", "failed")), *_filters(renamed))
        if on_order:
            where += (reads.Within("payment_id", Payment, _filters({"orderMerchantExternalId": on_order}, ON_ORDER)),)
        return selection.narrowed(where)

    def refund_node(self, ticket: RefundTicket) -> Node:
        amount = {"currency": ticket.currency, "amount": ticket.amount}
        return {"id": ticket.refund_id, "status": ticket.status, "paymentId": ticket.payment_id,
                "orderMerchantExternalId": lambda _info: _field(self._order_of_payment(ticket.payment_id),
                                                                "order_merchant_external_id"),
                "refundTicketMerchantExternalId": ticket.refund_ticket_merchant_external_id,
                "requestedAmountDetails": amount, "pspAmountDetails": amount if ticket.status == "succeeded" else None,
                "createdAt": ticket.executed_at}

    def _order_of_payment(self, payment_id: str) -> Order | None:
        payment = self.loader.one(Payment, payment_id)
        return self.loader.one(Order, payment.order_id) if payment else None

    def ticket_node(self, ticket: RefundTicket) -> Node:
        return {"id": ticket.id, "status": ticket.status, "reason": ticket.reason,
                "refundTicketMerchantExternalId": ticket.refund_ticket_merchant_external_id,
                "requestedAmountDetails": {"currency": ticket.currency, "amount": ticket.amount},
                "payment": lambda _info: self._payment(ticket.payment_id),
                "createdAt": ticket.created_at, "updatedAt": ticket.updated_at, "executedAt": ticket.executed_at}

    def _payment(self, payment_id: str) -> Node | None:
        found = self.loader.one(Payment, payment_id)
        return self.payment_node(found) if found else None

    def payment_node(self, payment: Payment) -> Node:
        order = lambda: self.loader.one(Order, payment.order_id)  # noqa: E731
        card = payment.card
        return {
            "id": payment.id, "orderId": payment.order_id, "status": payment.status,
            "refundStatus": lambda _info: refunds.refund_status(self.loader.tickets_of(payment.id)),
            "currency": payment.currency, "amount": payment.amount, "failureReason": payment.failure_reason,
            "cardInfo": codec.dump(card) if card else None,
            "refunds": lambda _info: [self.refund_node(ticket) for ticket in self.loader.tickets_of(payment.id)
                                      if ticket.refund_id],
            "orderMerchantExternalId": lambda _info: _field(order(), "order_merchant_external_id"),
            "snapshotAmountDetails": lambda _info: self._amount_details(order(), payment),
            "onetimeOrder": lambda _info: self._order_of(order(), ONETIME),
            "subscriptionOrder": lambda _info: self._order_of(order(), SUBSCRIPTION),
            "createdAt": payment.created_at, "updatedAt": payment.updated_at or payment.created_at,
        }

    def _order_of(self, order: Order | None, order_type: str) -> Node | None:
        return self.order_node(order) if order is not None and order.type == order_type else None

    @staticmethod
    def _amount_details(order: Order | None, payment: Payment) -> Node:
        if order is None:
            return {"currency": payment.currency, "subtotal": payment.amount, "taxAmount": "0",
                    "total": payment.amount, "taxCategory": "", "phase": None}
        snapshot = order.price_snapshot
        return {"currency": order.currency, "subtotal": display(snapshot.subtotal, order.currency),
                "taxAmount": display(snapshot.tax_amount, order.currency),
                "total": display(snapshot.total, order.currency), "taxCategory": snapshot.tax_category,
                "phase": "regular" if order.type == SUBSCRIPTION else None}

    def delivery_node(self, delivery: WebhookDelivery) -> Node:
        last = lambda: self.loader.last_attempt(delivery.id)  # noqa: E731
        return {
            "id": delivery.id, "storeId": delivery.store_id, "webhookId": delivery.webhook_id,
            "eventType": delivery.event_type, "eventId": delivery.event_id, "payload": json.loads(delivery.body),
            "webhookUrl": delivery.url, "status": delivery.status, "attemptCount": delivery.attempt_count,
            "httpStatus": lambda _info: _field(last(), "status_code"),
            "responseBody": lambda _info: _field(last(), "response_body"),
            "lastAttemptedAt": lambda _info: _field(last(), "at"),
            "createdAt": delivery.created_at,
        }


_VERSION_FIELDS: dict[str, Callable[[ProductVersion | None], t.Any]] = {
    "name": lambda version: version.name if version else "",
    "description": lambda version: version.description if version else None,
    "prices": lambda version: [{"currency": currency, "priceInfo": codec.dump(price)}
                               for currency, price in (version.prices if version else {}).items()],
    "media": lambda version: [{"type": item.get("type"), "url": item.get("url"), "alt": item.get("alt"),
                               "thumbnail": item.get("thumbnail")} for item in (version.media if version else [])],
    "successUrl": lambda version: version.success_url if version else None,
    "metadata": lambda version: version.metadata if version else None,
    "billingPeriod": lambda version: version.billing_period if version else None,
}


def _amounts(snapshot: TaxResult, currency: str) -> dict[str, str]:
    return {"subtotal": display(snapshot.subtotal, currency), "taxAmount": display(snapshot.tax_amount, currency),
            "total": display(snapshot.total, currency), "taxCategory": snapshot.tax_category}


def _field(entity: t.Any, name: str) -> t.Any:
    """A field of a related row, None when there is no such row."""
    return getattr(entity, name) if entity is not None else None


def _version_id(version: ProductVersion) -> str:
    return f"{version.product_id}-v{version.number}"


# --- batches --------------------------------------------------------------------------------


class Loader:
    """Related rows of a query, loaded for every entity a list made known, one query per relation:
    the first order of a page that asks for its payments loads the payments of the whole page."""

    def __init__(self, tx: Transaction):
        self.tx = tx
        self._known: dict[tuple[type, str], set[str]] = {}
        self._loaded: dict[tuple[type, str], dict[str, list]] = {}

    def expect(self, entities: list) -> None:
        """Entities read: each is known by its id from now on, and the keys of its relations
        join the next batch of their kind."""
        for entity in entities:
            if hasattr(entity, "id"):
                self._loaded.setdefault((type(entity), "id"), {})[entity.id] = [entity]
            for kind, field, key in _relations(entity):
                self._known.setdefault((kind, field), set()).add(key)

    def _by(self, kind: type, field: str, key: str) -> list:
        loaded = self._loaded.setdefault((kind, field), {})
        if key not in loaded:
            keys = (self._known.pop((kind, field), set()) - loaded.keys()) | {key}
            for found_key in keys:
                loaded[found_key] = []
            rows = self.tx.select(kind, (reads.Condition(field, "in", tuple(sorted(keys))),), (field,), None, 0, False)
            for row in rows:
                loaded[getattr(row, field)].append(row)
            self.expect(rows)
        return loaded[key]

    def one(self, kind: type, key: str) -> t.Any:
        found = self._by(kind, "id", key)
        return found[0] if found else None

    def version(self, product_id: str, number: int) -> ProductVersion | None:
        return next((v for v in self._by(ProductVersion, "product_id", product_id) if v.number == number), None)

    def tickets_of(self, payment_id: str) -> list[RefundTicket]:
        return self._by(RefundTicket, "payment_id", payment_id)

    def subscription_of(self, order_id: str) -> Subscription | None:
        found = self._by(Subscription, "order_id", order_id)
        return found[0] if found else None

    def payments_of(self, order_id: str) -> list[Payment]:
        return sorted(self._by(Payment, "order_id", order_id), key=lambda payment: (payment.created_at, payment.id))

    def last_attempt(self, delivery_id: str) -> DeliveryAttempt | None:
        attempts = self._by(DeliveryAttempt, "delivery_id", delivery_id)
        return max(attempts, key=lambda attempt: attempt.number) if attempts else None


def _relations(entity: t.Any) -> list[tuple[type, str, str]]:
    """(kind, field, key) of the rows a node of this entity may load."""
    if isinstance(entity, Order):
        return [(Payment, "order_id", entity.id), (Product, "id", entity.product_id),
                (ProductVersion, "product_id", entity.product_id), (Store, "id", entity.store_id),
                *([(Subscription, "order_id", entity.id)] if entity.type == SUBSCRIPTION else [])]
    if isinstance(entity, Product):
        return [(ProductVersion, "product_id", entity.id), (Store, "id", entity.store_id)]
    if isinstance(entity, Payment):
        return [(Order, "id", entity.order_id)]
    if isinstance(entity, WebhookDelivery):
        return [(DeliveryAttempt, "delivery_id", entity.id)]
    return []
