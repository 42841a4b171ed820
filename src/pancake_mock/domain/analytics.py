"""The analytics reads (GraphQL's `orderStatistics` and the rest): aggregations over a store's
orders created in a time range, each with its payments.

Revenue is what paid orders charged (their price snapshot's total, tax included), in one
currency at a time; money is a display string. A `…Rate` is a fraction (0.25), a `percentage` a
percentage (25.0). Periods are labelled by `period`. Subscriptions and refunds count what the mock
holds of them: no renewals or refund tickets exist yet, so their figures are zeros.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .model import SUBSCRIPTION, Order, Payment, Product
from .money import display

DEFAULT_TOP, DEFAULT_BUCKETS, MAX_ROWS = 10, 10, 100


@dataclass(frozen=True)
class Sale:
    """One order of the range, with what the aggregations read of it."""

    order: Order
    payments: tuple[Payment, ...]
    product_name: str
    billing_period: str | None = None

    @property
    def paid(self) -> bool:
        return any(payment.status == "succeeded" for payment in self.payments)

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def total(self) -> Decimal:
        return self.order.price_snapshot.total


def period(moment: datetime, granularity: str) -> str:
    if granularity == "DAY":
        return moment.date().isoformat()
    if granularity == "WEEK":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity == "MONTH":
        return f"{moment.year}-{moment.month:02d}"
    if granularity == "QUARTER":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    if granularity == "YEAR":
        return str(moment.year)
    return "all"


def _total(amounts: Iterable[Decimal], currency: str) -> str:
    """The sum of some amounts, as a display string."""
    return display(sum(amounts, Decimal(0)), currency)


def _share(part: float, whole: float) -> float:
    return round(part / whole, 6) if whole else 0.0


def _percentage(part: float, whole: float) -> float:
    return round(100 * part / whole, 4) if whole else 0.0


def _in(sales: Iterable[Sale], currency: str | None) -> list[Sale]:
    """The paid sales in this currency (all currencies when None)."""
    return [sale for sale in sales if sale.paid and (currency is None or sale.currency == currency.upper())]


def _grouped(sales: Iterable[Sale], key: Callable[[Sale], object]) -> dict[object, list[Sale]]:
    groups: dict[object, list[Sale]] = defaultdict(list)
    for sale in sales:
        groups[key(sale)].append(sale)
    return dict(sorted(groups.items(), key=lambda item: str(item[0])))


def _amounts(groups: dict[object, list[Sale]], currency: str, name: str) -> list[dict]:
    return [{name: key, "totalAmount": _total((s.total for s in group), currency),
             "paymentCount": len(group)} for key, group in groups.items()]


# --- orders -------------------------------------------------------------------------------


def counts_by_status(sales: list[Sale]) -> list[dict]:
    return [{"status": status, "count": count} for status, count in sorted(Counter(s.order.status for s in sales).items())]


def counts_by_period(sales: list[Sale], granularity: str) -> list[dict]:
    counted = Counter(period(s.order.created_at, granularity) for s in sales)
    return [{"period": key, "count": count} for key, count in sorted(counted.items())]


def revenue_by_currency(sales: list[Sale]) -> list[dict]:
    return [{"currency": currency, "totalAmount": _total((s.total for s in group), currency),
             "paymentCount": len(group)} for currency, group in _grouped(_in(sales, None), lambda s: s.currency).items()]


def revenue_by_period(sales: list[Sale], granularity: str, currency: str) -> list[dict]:
    rows = _amounts(_grouped(_in(sales, currency), lambda s: period(s.order.created_at, granularity)),
                    currency.upper(), "period")
    return [{**row, "currency": currency.upper()} for row in rows]


def buyer_metrics(sales: list[Sale], earlier_buyers: set[str]) -> dict:
    buyers = {s.order.buyer_email for s in sales}
    returning = buyers & earlier_buyers
    return {"totalBuyers": len(buyers), "newBuyers": len(buyers - returning), "returningBuyers": len(returning)}


def revenue_by_country(sales: list[Sale], currency: str) -> list[dict]:
    return _amounts(_grouped(_in(sales, currency), lambda s: s.order.billing_detail.country), currency.upper(), "country")


def orders_by_country(sales: list[Sale]) -> list[dict]:
    counted = Counter(s.order.billing_detail.country for s in sales)
    return [{"country": country, "count": count} for country, count in sorted(counted.items())]


def business_breakdown(sales: list[Sale], currency: str, with_tax: bool = False) -> list[dict]:
    rows = []
    for is_business, group in _grouped(_in(sales, currency), lambda s: s.order.billing_detail.is_business).items():
        row = {"isBusiness": is_business, "label": "B2B" if is_business else "B2C", "orderCount": len(group),
               "totalAmount": _total((s.total for s in group), currency.upper())}
        if with_tax:
            row["totalTax"] = _total((s.order.price_snapshot.tax_amount for s in group), currency.upper())
        rows.append(row)
    return rows


def revenue_by_state(sales: list[Sale], country: str, currency: str) -> list[dict]:
    in_country = [s for s in _in(sales, currency) if s.order.billing_detail.country == country.upper()]
    return _amounts(_grouped(in_country, lambda s: s.order.billing_detail.state or ""), currency.upper(), "state")


# --- payments -----------------------------------------------------------------------------


def _payments(sales: list[Sale]) -> list[Payment]:
    return [payment for sale in sales for payment in sale.payments if payment.status != "canceled"]


def success_rate(sales: list[Sale]) -> dict:
    counted = Counter(payment.status for payment in _payments(sales))
    settled = counted["succeeded"] + counted["failed"]
    return {"totalAttempts": sum(counted.values()), "succeeded": counted["succeeded"], "failed": counted["failed"],
            "pending": counted["pending"], "successRate": _share(counted["succeeded"], settled)}


def failed_reasons(sales: list[Sale]) -> list[dict]:
    counted = Counter(p.failure_reason or "unknown" for p in _payments(sales) if p.status == "failed")
    failed = sum(counted.values())
    return [{"reason": reason, "count": count, "percentage": _percentage(count, failed)}
            for reason, count in sorted(counted.items())]


def no_refunds() -> dict:
    return {"totalCount": 0, "succeededCount": 0, "pendingCount": 0, "failedCount": 0, "amountByCurrency": [],
            "refundRate": 0.0}


def _succeeded(sales: list[Sale], currency: str | None) -> list[tuple[Payment, Decimal]]:
    return [(payment, Decimal(payment.amount)) for sale in sales for payment in sale.payments
            if payment.status == "succeeded" and (currency is None or sale.currency == currency.upper())]


def _shares(rows: list[tuple[Payment, Decimal]], key: Callable[[Payment], str], name: str, currency: str | None) -> list[dict]:
    groups: dict[str, list[Decimal]] = defaultdict(list)
    for payment, amount in rows:
        groups[key(payment)].append(amount)
    places = (currency or "USD").upper()
    return [{name: value, "count": len(amounts), "totalAmount": _total(amounts, places),
             "percentage": _percentage(len(amounts), len(rows))} for value, amounts in sorted(groups.items())]


def method_distribution(sales: list[Sale], currency: str | None) -> list[dict]:
    return _shares(_succeeded(sales, currency), lambda payment: "card", "methodType", currency)


def card_brand_distribution(sales: list[Sale], currency: str | None) -> list[dict]:
    return _shares(_succeeded(sales, currency), lambda p: p.card.brand if p.card else "unknown", "brand", currency)


def tax_summary(sales: list[Sale]) -> list[dict]:
    rows = []
    for currency, group in _grouped(_in(sales, None), lambda s: s.currency).items():
        snapshots = [s.order.price_snapshot for s in group]
        rows.append({"currency": currency, "paymentCount": len(group),
                     "totalTax": _total((x.tax_amount for x in snapshots), currency),
                     "totalPreTax": _total((x.subtotal for x in snapshots), currency),
                     "totalAmount": _total((x.total for x in snapshots), currency)})
    return rows


def pre_tax_revenue_by_currency(sales: list[Sale]) -> list[dict]:
    return [{"currency": row["currency"], "totalAmount": row["totalPreTax"], "paymentCount": row["paymentCount"]}
            for row in tax_summary(sales)]


# --- products -----------------------------------------------------------------------------


def product_counts(products: list[Product], product_type: str) -> list[dict]:
    counted = Counter(p.status for p in products if p.type == product_type)
    return [{"status": status, "count": count} for status, count in sorted(counted.items())]


def _product_rows(sales: list[Sale], currency: str | None) -> list[dict]:
    rows = []
    for product_id, group in _grouped(sales, lambda s: s.order.product_id).items():
        paid = _in(group, currency)
        in_currency = currency.upper() if currency else Counter(s.currency for s in group).most_common(1)[0][0]
        paid = [s for s in paid if s.currency == in_currency]
        rows.append({"productId": product_id, "productType": group[0].order.type, "productName": group[0].product_name,
                     "orderCount": len(group), "currency": in_currency,
                     "revenue": sum((s.total for s in paid), Decimal(0))})
    return rows


def top_products(sales: list[Sale], limit: int | None, currency: str | None) -> list[dict]:
    rows = _product_rows(sales, currency)
    rank = (lambda row: (-row["revenue"], row["productId"])) if currency else (lambda row: (-row["orderCount"], row["productId"]))
    return [{**{k: v for k, v in row.items() if k != "revenue"}, "totalRevenue": display(row["revenue"], row["currency"])}
            for row in sorted(rows, key=rank)[:_bounded(limit, DEFAULT_TOP)]]


def revenue_contribution(sales: list[Sale], currency: str) -> list[dict]:
    rows = sorted((row for row in _product_rows(_in(sales, currency), currency) if row["revenue"]),
                  key=lambda row: (-row["revenue"], row["productId"]))
    whole, running, shares = float(sum((row["revenue"] for row in rows), Decimal(0))), 0.0, []
    for row in rows:
        running += float(row["revenue"])
        shares.append({"productId": row["productId"], "productType": row["productType"],
                       "productName": row["productName"], "revenue": display(row["revenue"], row["currency"]),
                       "contributionPercentage": _percentage(float(row["revenue"]), whole),
                       "cumulativePercentage": _percentage(running, whole)})
    return shares


# --- trends and distributions ----------------------------------------------------------


def _by_period(values: Iterable[tuple[datetime, float]], granularity: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for moment, value in values:
        totals[period(moment, granularity)] += value
    return dict(sorted(totals.items()))


def _order_values(sales: list[Sale]) -> list[tuple[datetime, float]]:
    return [(s.order.created_at, 1.0) for s in sales]


def _revenue_values(sales: list[Sale], currency: str) -> list[tuple[datetime, float]]:
    return [(s.order.created_at, float(s.total)) for s in _in(sales, currency)]


def growth(values: list[tuple[datetime, float]], granularity: str) -> list[dict]:
    rows, previous = [], None
    for key, value in _by_period(values, granularity).items():
        rate = round((value - previous) / previous, 6) if previous else None
        rows.append({"period": key, "currentValue": value, "previousValue": previous, "growthRate": rate})
        previous = value
    return rows


def order_growth(sales: list[Sale], granularity: str) -> list[dict]:
    return growth(_order_values(sales), granularity)


def revenue_growth(sales: list[Sale], granularity: str, currency: str) -> list[dict]:
    return growth(_revenue_values(sales, currency), granularity)


def cumulative_revenue(sales: list[Sale], granularity: str, currency: str) -> list[dict]:
    rows, running = [], 0.0
    for key, value in _by_period(_revenue_values(sales, currency), granularity).items():
        running += value
        rows.append({"period": key, "periodValue": value, "cumulativeValue": round(running, 6)})
    return rows


def moving_average(values: list[tuple[datetime, float]], window_days: int) -> list[dict]:
    """Every day from the first to the last with an order, and the mean of the `window_days` up to it."""
    if not values:
        return []
    window = max(1, min(window_days, 366))
    daily: dict[date, float] = defaultdict(float)
    for moment, value in values:
        daily[moment.date()] += value
    first, last = min(daily), max(daily)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rows = []
    for index, day in enumerate(days):
        span = days[max(0, index - window + 1): index + 1]
        rows.append({"date": day.isoformat(), "dailyValue": daily.get(day, 0.0),
                     "movingAverage": round(sum(daily.get(d, 0.0) for d in span) / len(span), 6)})
    return rows


def order_moving_average(sales: list[Sale], window_days: int) -> list[dict]:
    return moving_average(_order_values(sales), window_days)


def revenue_moving_average(sales: list[Sale], window_days: int, currency: str) -> list[dict]:
    return moving_average(_revenue_values(sales, currency), window_days)


def percentiles(sales: list[Sale], currency: str) -> dict:
    amounts = sorted(float(s.total) for s in _in(sales, currency))
    if not amounts:
        return {**{f"p{p}": 0.0 for p in (10, 25, 50, 75, 90, 95, 99)}, "min": 0.0, "max": 0.0, "avg": 0.0,
                "stddev": 0.0, "count": 0}

    def at(fraction: float) -> float:  # linear interpolation between the closest ranks
        position = fraction * (len(amounts) - 1)
        low = int(position)
        high = min(low + 1, len(amounts) - 1)
        return round(amounts[low] + (amounts[high] - amounts[low]) * (position - low), 6)

    return {**{f"p{p}": at(p / 100) for p in (10, 25, 50, 75, 90, 95, 99)}, "min": amounts[0], "max": amounts[-1],
            "avg": round(statistics.fmean(amounts), 6), "stddev": round(statistics.pstdev(amounts), 6),
            "count": len(amounts)}


def aov_trend(sales: list[Sale], granularity: str, currency: str) -> list[dict]:
    rows = []
    for key, group in _grouped(_in(sales, currency), lambda s: period(s.order.created_at, granularity)).items():
        revenue = float(sum((s.total for s in group), Decimal(0)))
        rows.append({"period": key, "averageOrderValue": round(revenue / len(group), 6), "orderCount": len(group),
                     "totalRevenue": revenue})
    return rows


def buckets(values: list[float], bucket_count: int | None) -> list[dict]:
    """Equal-width buckets from the least value to the greatest."""
    if not values:
        return []
    count = _bounded(bucket_count, DEFAULT_BUCKETS)
    low, high = min(values), max(values)
    width = (high - low) / count or 1.0
    counted = Counter(min(int((value - low) / width), count - 1) for value in values)
    return [{"rangeMin": round(low + n * width, 6), "rangeMax": round(low + (n + 1) * width, 6),
             "count": counted[n], "percentage": _percentage(counted[n], len(values))} for n in range(count)]


def order_amount_buckets(sales: list[Sale], currency: str, bucket_count: int | None) -> list[dict]:
    return buckets([float(s.total) for s in _in(sales, currency)], bucket_count)


# --- customers ----------------------------------------------------------------------------


def _spent(sales: list[Sale], currency: str) -> dict[str, list[Sale]]:
    return _grouped(_in(sales, currency), lambda s: s.order.buyer_email)


def cohort_retention(sales: list[Sale], granularity: str) -> list[dict]:
    by_buyer = _grouped(sales, lambda s: s.order.buyer_email)
    periods = sorted({period(s.order.created_at, granularity) for s in sales})
    first_period = {buyer: min(period(s.order.created_at, granularity) for s in group) for buyer, group in by_buyer.items()}
    rows = []
    for cohort in periods:
        members = {buyer for buyer, first in first_period.items() if first == cohort}
        if not members:
            continue
        retention = []
        for offset, later in enumerate(periods[periods.index(cohort):]):
            active = {b for b in members if any(period(s.order.created_at, granularity) == later for s in by_buyer[b])}
            retention.append({"periodOffset": offset, "activeCustomers": len(active),
                              "retentionRate": _share(len(active), len(members))})
        rows.append({"cohortPeriod": cohort, "cohortSize": len(members), "retention": retention})
    return rows


def ltv_distribution(sales: list[Sale], currency: str) -> dict:
    totals = [float(sum((s.total for s in group), Decimal(0))) for group in _spent(sales, currency).values()]
    return {"averageLtv": round(statistics.fmean(totals), 6) if totals else 0.0,
            "medianLtv": round(statistics.median(totals), 6) if totals else 0.0, "buckets": buckets(totals, None)}


def purchase_frequency(sales: list[Sale]) -> list[dict]:
    per_buyer = Counter(Counter(s.order.buyer_email for s in sales).values())
    buyers = sum(per_buyer.values())
    return [{"purchaseCount": purchases, "customerCount": customers, "percentage": _percentage(customers, buyers)}
            for purchases, customers in sorted(per_buyer.items())]


def repeat_purchase_rate(sales: list[Sale], granularity: str) -> list[dict]:
    seen: set[str] = set()
    rows = []
    for key, group in _grouped(sorted(sales, key=lambda s: s.order.created_at),
                               lambda s: period(s.order.created_at, granularity)).items():
        buyers = {s.order.buyer_email for s in group}
        counted = Counter(s.order.buyer_email for s in group)
        repeat = {b for b in buyers if b in seen or counted[b] > 1}
        rows.append({"period": key, "totalBuyers": len(buyers), "repeatBuyers": len(repeat),
                     "repeatRate": _share(len(repeat), len(buyers))})
        seen |= buyers
    return rows


def top_customers(sales: list[Sale], limit: int | None, currency: str) -> list[dict]:
    rows = []
    for buyer, group in _spent(sales, currency).items():
        moments = sorted(s.order.created_at for s in group)
        rows.append({"buyerEmail": buyer, "spent": sum((s.total for s in group), Decimal(0)), "orderCount": len(group),
                     "firstPurchaseDate": moments[0].date().isoformat(), "lastPurchaseDate": moments[-1].date().isoformat()})
    rows.sort(key=lambda row: (-row["spent"], row["buyerEmail"]))
    return [{**{k: v for k, v in row.items() if k != "spent"}, "totalSpent": display(row["spent"], currency.upper())}
            for row in rows[:_bounded(limit, DEFAULT_TOP)]]


# --- tax ----------------------------------------------------------------------------------


def tax_by(sales: list[Sale], currency: str, key: Callable[[Sale], object], name: str) -> list[dict]:
    return [{name: value, "paymentCount": len(group),
             "totalTax": _total((s.order.price_snapshot.tax_amount for s in group), currency.upper()),
             "totalAmount": _total((s.total for s in group), currency.upper())}
            for value, group in _grouped(_in(sales, currency), key).items()]


def tax_by_category(sales: list[Sale], currency: str) -> list[dict]:
    return tax_by(sales, currency, lambda s: s.order.price_snapshot.tax_category, "taxCategory")


def tax_by_rate(sales: list[Sale], currency: str) -> list[dict]:
    rows = tax_by(sales, currency, lambda s: s.order.price_snapshot.tax_rate, "taxRate")
    return [{**row, "taxRate": float(row["taxRate"])} for row in rows]


def tax_by_country(sales: list[Sale], currency: str) -> list[dict]:
    return tax_by(sales, currency, lambda s: s.order.billing_detail.country, "country")


def effective_tax_rate_trend(sales: list[Sale], granularity: str, currency: str) -> list[dict]:
    rows = []
    for key, group in _grouped(_in(sales, currency), lambda s: period(s.order.created_at, granularity)).items():
        rates = [float(s.order.price_snapshot.tax_amount / s.order.price_snapshot.subtotal)
                 for s in group if s.order.price_snapshot.subtotal]
        rows.append({"period": key, "avgTaxRate": round(statistics.fmean(rates), 6) if rates else 0.0,
                     "paymentCount": len(group)})
    return rows


def tax_amount_by_period(sales: list[Sale], granularity: str, currency: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "totalAmount"}
            for row in tax_by(sales, currency, lambda s: period(s.order.created_at, granularity), "period")]


# --- subscriptions and refund tickets --------------------------------------------------------


def billing_period_distribution(sales: list[Sale], currency: str) -> list[dict]:
    subscriptions = [s for s in sales if s.order.type == SUBSCRIPTION and s.currency == currency.upper()]
    rows = []
    for billing_period, group in _grouped(subscriptions, lambda s: s.billing_period or "").items():
        rows.append({"billingPeriod": billing_period, "count": len(group),
                     "totalAmount": _total((s.total for s in group if s.paid), currency.upper()),
                     "percentage": _percentage(len(group), len(subscriptions))})
    return rows


def cancellation_stats(sales: list[Sale]) -> dict:
    subscriptions = [s for s in sales if s.order.type == SUBSCRIPTION]
    canceled = sum(1 for s in subscriptions if s.order.status == "canceled")
    return {"totalSubscriptions": len(subscriptions), "canceledCount": canceled,
            "cancellationRate": _share(canceled, len(subscriptions)), "avgLifetimeDays": 0.0, "medianLifetimeDays": 0.0}


def active_subscriptions(sales: list[Sale]) -> int:
    return sum(1 for s in sales if s.order.type == SUBSCRIPTION and s.order.status == "active")


NO_TRIALS = {"totalTrials": 0, "convertedCount": 0, "activeTrials": 0, "conversionRate": 0.0}
NO_REVIEWS = {"avgHours": 0.0, "medianHours": 0.0, "p90Hours": 0.0, "totalReviewed": 0}
NO_APPROVALS = {"approved": 0, "rejected": 0, "rate": 0.0}
NO_PROCESSING = {"succeeded": 0, "failed": 0, "rate": 0.0}


def _bounded(value: int | None, default: int) -> int:
    return default if value is None else max(1, min(value, MAX_ROWS))

