"""refund-ticket/create-ticket and resubmit-ticket, by the buyer's session token and by merchant key,
with the control plane's review standing in for the merchant's dashboard."""

from __future__ import annotations

import pytest

from support import error_of

CREATE, RESUBMIT = "/v1/actions/refund-ticket/create-ticket", "/v1/actions/refund-ticket/resubmit-ticket"
BILLING = {"country": "DE", "isBusiness": False}


def paid(api, buyer="refund-1", pay=True):
    """A one-time order of `buyer`, paid (its payment), and the buyer's token."""
    token = api.issue_token(buyer=buyer)
    session = api.create_session()
    made = api.create_order({"checkoutSessionId": session, "billingDetail": BILLING, "buyerEmail": "r@example.com"}, token)
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    if pay:
        answer = api.send("POST", f"/_mock/orders/{order['id']}/pay", json={})
        assert answer.status_code == 200, answer.text
        return answer.json()["payment"], token
    detail = api.send("GET", f"/_mock/orders/{order['id']}").json()
    return detail["payments"][0], token


def ask(payment, amount="1.00", **fields):
    return {"paymentId": payment["id"], "reason": "not what I expected",
            "requestedAmount": {"amount": amount, "currency": payment["currency"]}, **fields}


def ticket_of(response):
    assert response.status_code == 200, response.text
    return response.json()["data"]["ticket"]


def review(api, ticket, decision, **fields):
    return api.send("POST", f"/_mock/refund-tickets/{ticket['id']}/review", json={"decision": decision, **fields})


def test_a_buyer_s_ticket_is_reviewed_and_may_be_resubmitted(api):
    payment, token = paid(api)
    ticket = ticket_of(api.as_buyer(CREATE, ask(payment, "1", refundTicketMerchantExternalId="rf-1",
                                                metadata={"case": 7}), token))
    assert ticket["id"].startswith("TKT_") and ticket["type"] == "refund" and ticket["status"] == "pending"
    assert (ticket["subjectId"], ticket["submitterType"], ticket["submitterId"]) == (payment["id"], "customer", "refund-1")
    assert ticket["versionNumber"] == 1 and ticket["versionData"] == {
        "reason": "not what I expected", "requestedAmount": {"amount": "1.00", "currency": payment["currency"]}}
    assert ticket["refundTicketMerchantExternalId"] == "rf-1" and ticket["metadata"] == {"case": 7}
    assert error_of(api.as_buyer(CREATE, ask(payment), token)) == (
        409, "The payment already has a refund ticket open or succeeded")
    assert error_of(api.as_buyer(RESUBMIT, {**ask(payment), "ticketId": ticket["id"]}, token)) == (
        409, "Only rejected tickets can be resubmitted, current status: pending")

    rejected = review(api, ticket, "reject", rejectReason="outside policy")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected", rejected.text
    assert rejected.json()["rejectReason"] == "outside policy" and rejected.json()["reviewedAt"]
    again = ticket_of(api.as_buyer(RESUBMIT, {**ask(payment, "2.50"), "ticketId": ticket["id"]}, token))
    assert (again["status"], again["versionNumber"], again["rejectReason"]) == ("pending", 2, None)
    assert again["versionData"]["requestedAmount"]["amount"] == "2.50"
    approved = review(api, again, "approve", note="ok")
    assert approved.json()["status"] == "processing" and approved.json()["reviewNote"] == "ok"
    assert review(api, again, "approve").status_code == 409

    read = api.graphql("query { refundTicketsCount refundTickets { id status requestedAmountDetails { amount } "
                       "payment { id } } }", token=token).json()["data"]
    assert read["refundTicketsCount"] == 1
    assert read["refundTickets"] == [{"id": ticket["id"], "status": "processing",
                                      "requestedAmountDetails": {"amount": "2.50"}, "payment": {"id": payment["id"]}}]
    stranger = api.issue_token(buyer="refund-2")
    assert api.graphql("query { refundTicketsCount }", token=stranger).json()["data"]["refundTicketsCount"] == 0


def test_a_merchant_s_ticket_is_approved_as_it_is_made(api):
    payment, _token = paid(api)
    ticket = ticket_of(api.signed(CREATE, ask(payment)))
    assert (ticket["status"], ticket["submitterType"], ticket["submitterId"]) == ("processing", "merchant", api.merchant_id)
    assert ticket["reviewerId"] == api.merchant_id
    merchant_view = api.graphql("query { refundTickets { id } }").json()["data"]["refundTickets"]
    assert {"id": ticket["id"]} in merchant_view


@pytest.mark.parametrize("amount, currency, expected", [
    ("0", None, (400, "requestedAmount.amount must be more than 0 and at most the payment's {amount}")),
    ("100000", None, (400, "requestedAmount.amount must be more than 0 and at most the payment's {amount}")),
    ("1.005", None, (400, "Invalid requestedAmount.amount format")),
    ("ten", None, (400, "Invalid field: requestedAmount.amount must be a decimal string such as \"29.00\"")),
    ("1.00", "EUR", (400, "requestedAmount.currency must be the payment's: {currency}")),
])
def test_what_an_amount_must_be(api, amount, currency, expected):
    payment, token = paid(api)
    body = ask(payment, amount)
    if currency:
        body["requestedAmount"]["currency"] = currency
    status, message = expected
    assert error_of(api.as_buyer(CREATE, body, token)) == (
        status, message.format(amount=payment["amount"], currency=payment["currency"]))


def test_which_payments_can_be_refunded(api):
    pending, token = paid(api, pay=False)
    assert error_of(api.as_buyer(CREATE, ask(pending), token)) == (409, "Payment status is pending, must be succeeded")
    payment, token = paid(api, buyer="refund-3")
    assert error_of(api.as_buyer(CREATE, ask(payment), api.issue_token(buyer="someone"))) == (404, "Payment not found")
    assert error_of(api.as_buyer(CREATE, {**ask(payment), "paymentId": "PAY_" + "0" * 22}, token)) == (
        404, "Payment not found")
    assert error_of(api.as_buyer(CREATE, ask(payment, refundTicketMerchantExternalId="x" * 129), token)) == (
        400, "Invalid field: refundTicketMerchantExternalId must be at most 128 characters")
    assert api.send("PUT", "/_mock/clock", json={"advanceSeconds": 14 * 86400 + 60}).status_code == 200
    assert error_of(api.as_buyer(CREATE, ask(payment), api.issue_token(buyer="refund-3"))) == (
        400, "A payment can be refunded within 14 days of its success only")


def test_resubmit_is_the_buyer_s_own_rejected_ticket(api):
    payment, token = paid(api)
    ticket = ticket_of(api.as_buyer(CREATE, ask(payment), token))
    review(api, ticket, "reject")
    other = api.issue_token(buyer="refund-9")
    assert error_of(api.as_buyer(RESUBMIT, {**ask(payment), "ticketId": ticket["id"]}, other)) == (404, "Ticket not found")
    wrong = {**ask(payment), "ticketId": ticket["id"], "paymentId": "PAY_" + "1" * 22}
    assert error_of(api.as_buyer(RESUBMIT, wrong, token)) == (400, "paymentId is not the ticket's payment")
    assert error_of(api.send("POST", "/_mock/refund-tickets/TKT_x/review", json={"decision": "approve"})) == (
        404, "Ticket not found")
