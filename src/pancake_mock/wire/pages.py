"""The buyers' HTML pages (openapi/pages.yaml): the hosted checkout page, and the fake PSP's
payment page with its 3-D Secure step; and `render`, which every page of the mock goes through.

Handlers as for the API (typed command in, domain call, view out); the view is a rendered page.
Templates escape everything they show (store and product names, emails are merchants' and
buyers' text), and every page is sent with a Content-Security-Policy that allows only its own
stylesheet (and the checkout page's own script, calling the mock's API), and forms posted back to
the mock (and, after paying, the merchant's success URL). The developers' pages (wire/docs.py)
also load files the mock serves itself.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pycountry
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .. import contract
from ..adapters.worlds import World
from ..adapters.tokens import TokenCodec
from ..domain import auth, cards, checkout, commands, errors, orders, payments, subscriptions
from ..domain.model import Order, ProductVersion
from ..domain.money import display
from .handlers import operation
from .pipeline import Call

TEMPLATES = Path(__file__).parent / "templates"
CSS = (TEMPLATES / "page.css").read_text(encoding="utf-8")
CHECKOUT_SCRIPT = (TEMPLATES / "checkout.js").read_text(encoding="utf-8")


@cache
def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@dataclass(frozen=True)
class Assets:
    """What a page uses besides its HTML, as its Content-Security-Policy allows it: its inline
    stylesheet and script, by their hashes, and files the mock serves itself (Swagger UI's, GraphiQL's)."""

    css: str | None = CSS
    script: str | None = None  # it may call the mock's API ('self')
    served: bool = False  # scripts, stylesheets, images and fonts from the mock's own paths

    def policy(self, form_origins: tuple[str, ...]) -> str:
        own = ("'self'",) if self.served else ()
        scripts = (*own, *((_digest(self.script),) if self.script else ()))
        return "; ".join((
            "default-src 'none'",
            "style-src " + " ".join((*own, *((_digest(self.css),) if self.css else ()))),
            *((f"script-src {' '.join(scripts)}", "connect-src 'self'") if scripts else ()),
            *(("img-src 'self' data:", "font-src 'self' data:") if self.served else ()),
            "form-action 'self' " + " ".join(form_origins) if form_origins else "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ))


CHECKOUT_ASSETS = Assets(script=CHECKOUT_SCRIPT)


@cache
def _countries() -> list[tuple[str, str]]:
    return sorted(((country.alpha_2, country.name) for country in pycountry.countries), key=lambda pair: pair[1])


@cache
def _states() -> list[tuple[str, str, str]]:
    """The billing form asks for a state in the US and Canada, as create-order does. Read on the
    first checkout page: pycountry's subdivisions cost every worker about 10 MB and 0.1 s to load."""
    return [(code, subdivision.code.split("-", 1)[1], subdivision.name) for code in ("US", "CA")
            for subdivision in sorted(pycountry.subdivisions.get(country_code=code), key=lambda s: s.name)]
_ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
# Declines answer 402 and inline errors 422, so a plain-HTTP test can tell outcomes apart by status.
DECLINED, INVALID = 402, 422


class Pages:
    """The buyers' pages of a world: their links start with its base URL's path (a tenant's `/t/{id}`)."""

    def __init__(self, tokens: TokenCodec, rules: orders.OrderRules):
        self.tokens = tokens
        self.rules = rules

    @operation(commands.ShowCheckoutPage, refusal="refused")
    def show_checkout_page(self, call: Call, command: commands.ShowCheckoutPage) -> Response:
        page = checkout.checkout_page(call.tx, command.slug, command.session_id, call.now)
        session = page.session
        token = ""
        if page.state == "open":  # the page's own token, for a session opened without one
            guest = auth.issue_guest_token(call.tx, session, call.now)
            token = self.tokens.encode(guest.id, guest.store_id, guest.role)
        billing = session.billing_detail
        options = session.options
        return render(
            "checkout.html", page.state, 200, assets=CHECKOUT_ASSETS,
            language=options.language, theme={True: "dark", False: "light"}.get(options.dark_mode),
            store_name=page.store.name, product_name=options.product_name, product_version=session.product_version,
            amount=session.price.amount,
            currency=session.currency, session_id=session.id, slug=page.store.slug, environment=session.environment,
            api_base=call.world.path, order_path=f"/v1/actions/{session.product_type}-order/create-order", token=token,
            buyer_email=session.buyer_email, email_prefilled=session.buyer_email is not None,
            countries=_countries(), states=_states(), country=billing.country if billing else "US",
            postcode=billing and billing.postcode, is_business=billing is not None and billing.is_business,
            business_name=billing and billing.business_name, tax_id=billing and billing.tax_id)

    @operation(commands.ShowCheckoutPage, writes=False, refusal="refused")
    def show_change_page(self, call: Call, command: commands.ShowCheckoutPage) -> Response:
        """What a plan-change session changes, with the form that confirms it."""
        page = checkout.checkout_page(call.tx, command.slug, command.session_id, call.now, plan_change=True)
        session, change = page.session, page.session.plan_change
        origin = call.tx.get(Order, change.origin_order_id)
        current = origin and call.tx.get(ProductVersion, (origin.product_id, origin.product_version))
        target = call.tx.get(ProductVersion, (session.product_id, session.product_version))
        return render("change.html", page.state, 200, (call.world.base_url,), store_name=page.store.name,
                      current_plan=current.name if current else change.origin_order_id, order_id=change.origin_order_id,
                      new_plan=session.options.product_name, amount=session.price.amount, currency=session.currency,
                      billing_period=target.billing_period if target else None, timing=change.timing,
                      charge=change.change_amount, credit=change.change_credit_amount,
                      action=f"{call.world.path}/store/{page.store.slug}/change/{session.id}")

    @operation(commands.ShowCheckoutPage, refusal="refused")
    def confirm_change_page(self, call: Call, command: commands.ShowCheckoutPage) -> Response:
        """The subscriber confirms: the change is carried out, and the page shows it done."""
        page = checkout.checkout_page(call.tx, command.slug, command.session_id, call.now, plan_change=True)
        subscriptions.change_plan(call.tx, page.session.id, self.rules, call.now)
        return RedirectResponse(f"{call.world.base_url}/store/{page.store.slug}/change/{page.session.id}", status_code=303)

    @operation(commands.ShowPaymentPage, writes=False, refusal="refused")
    def show_payment_page(self, call: Call, command: commands.ShowPaymentPage) -> Response:
        return self._payment_page(call.world, payments.payment_page(call.tx, call.world.psp, command.token, call.now))

    @operation(commands.SubmitPayment, refusal="refused")
    def submit_payment(self, call: Call, command: commands.SubmitPayment) -> Response:
        entry = cards.CardEntry(command.card_number, command.card_expiry, command.card_cvc, command.cardholder_name)
        return self._after(call.world, payments.pay(call.tx, call.world.psp, command.token, entry, call.now), entry)

    @operation(commands.ShowPaymentPage, writes=False, refusal="refused")
    def show_challenge_page(self, call: Call, command: commands.ShowPaymentPage) -> Response:
        page = payments.payment_page(call.tx, call.world.psp, command.token, call.now)
        challenge = page.checkout.challenge
        if page.state != payments.CHALLENGED or challenge is None:
            return self._payment_page(call.world, page)
        return render("challenge.html", payments.CHALLENGED, 200, _form_origins(call.world, page),
                      store_name=page.store.name, total=display(page.order.price_snapshot.total, page.order.currency),
                      currency=page.order.currency, brand=challenge.card.brand.title(), last4=challenge.card.last4,
                      action=f"{call.world.path}/psp/checkout/{page.checkout.token}/challenge")

    @operation(commands.AnswerChallenge, refusal="refused")
    def answer_challenge(self, call: Call, command: commands.AnswerChallenge) -> Response:
        passed = command.outcome == "complete"
        return self._after(call.world, payments.answer_challenge(call.tx, call.world.psp, command.token, passed, call.now))

    @operation(commands.ShowPaymentPage, writes=False, refusal="refused")
    def show_thank_you_page(self, call: Call, command: commands.ShowPaymentPage) -> Response:
        page = payments.payment_page(call.tx, call.world.psp, command.token, call.now)
        order = page.order
        return render("complete.html", page.state, 200, store_name=page.store.name,
                      product_name=page.product_name, buyer_email=order.buyer_email, order_id=order.id,
                      total=display(order.price_snapshot.total, order.currency), currency=order.currency)

    @staticmethod
    def refused(error: errors.ApiError) -> Response:
        return render("error.html", "error", error.status, code=error.status, message=error.message)

    def _after(self, world: World, attempt: payments.Attempt, entry: cards.CardEntry | None = None) -> Response:
        page = attempt.page
        if attempt.succeeded:
            return RedirectResponse(_success_url(world, page, attempt.payment.id), status_code=303)
        if page.state == payments.CHALLENGED:
            return RedirectResponse(f"{world.base_url}/psp/checkout/{page.checkout.token}/challenge", status_code=303)
        if attempt.payment is not None:  # declined
            reason = errors.DECLINE_REASONS[attempt.payment.failure_reason]
            return self._payment_page(world, page, DECLINED, decline=reason)
        if attempt.problems:
            return self._payment_page(world, page, INVALID, entry=entry, problems=attempt.problems)
        return self._payment_page(world, page)  # nothing to charge: the page says why

    @staticmethod
    def _payment_page(world: World, page: payments.PaymentPage, status: int = 200, *, decline: str | None = None,
                      entry: cards.CardEntry | None = None, problems: dict[str, str] | None = None) -> Response:
        order = page.order
        snapshot = order.price_snapshot
        continue_url = _success_url(world, page, order.payment_id) if page.state == payments.PAID else None
        return render(
            "payment.html", page.state, status, _form_origins(world, page),
            store_name=page.store.name, product_name=page.product_name, buyer_email=order.buyer_email,
            currency=order.currency, subtotal=display(snapshot.subtotal, order.currency),
            total=display(snapshot.total, order.currency),
            tax_lines=[{"name": line.name, "jurisdiction": line.jurisdiction, "rate": _percent(line.rate),
                        "amount": display(line.amount, order.currency)} for line in snapshot.lines],
            action=f"{world.path}/psp/checkout/{page.checkout.token}", decline=decline,
            entry=entry or cards.CardEntry(), problems=problems or {}, test_cards=cards.TEST_CARDS,
            continue_url=continue_url)


def _success_url(world: World, page: payments.PaymentPage, payment_id: str | None) -> str:
    """Where a paid order goes: the order's success URL with `orderId` and `paymentId` added, else ours."""
    if page.order.success_url is None:
        return f"{world.base_url}/psp/checkout/{page.checkout.token}/complete"
    parts = urlsplit(page.order.success_url)
    added = urlencode({"orderId": page.order.id, "paymentId": payment_id or ""})
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


def _form_origins(world: World, page: payments.PaymentPage) -> tuple[str, ...]:
    # Browsers hold the redirect after a form post to form-action too.
    origins = [world.base_url]
    if page.order.success_url:
        parts = urlsplit(page.order.success_url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)


def refusals() -> dict[str, object]:
    """How a path under the pages' first segments is refused when no page matches it: as a page."""
    return dict.fromkeys({"/" + path.split("/")[1] for path in contract.load(contract.PAGES_SPEC)["paths"]},
                         Pages.refused)


def render(template: str, state: str, status: int, form_origins: tuple[str, ...] = (), *, assets: Assets = Assets(),
           **values: object) -> Response:
    html = _ENVIRONMENT.get_template(template).render(
        css=Markup(assets.css) if assets.css else None, script=Markup(assets.script) if assets.script else None,
        state=state, **values)
    return HTMLResponse(html, status, headers={
        "Content-Security-Policy": assets.policy(form_origins),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    })


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}"
