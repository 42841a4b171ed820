"""Email normalization: trim().toLowerCase() before tax, storage, session write-back and PSP."""

from __future__ import annotations

from support import error_of

US_CA = {"country": "US", "isBusiness": False, "state": "CA"}


def test_body_email_is_normalized_everywhere(api):
    session = api.create_session()
    response = api.create_order({"checkoutSessionId": session, "buyerEmail": "  Foo@Bar.COM \t", "billingDetail": US_CA})
    assert response.status_code == 200, response.text
    assert api.orders(session)[0]["buyerEmail"] == "foo@bar.com"
    assert api.session_record(session)["buyerEmail"] == "foo@bar.com"
    assert api.psp_calls()[-1]["request"]["buyerEmail"] == "foo@bar.com"


def test_session_prefill_is_normalized_at_creation(api):
    session = api.create_session(buyerEmail=" Mixed.Case@Example.ORG ")
    assert api.session_record(session)["buyerEmail"] == "mixed.case@example.org"
    assert api.create_order({"checkoutSessionId": session, "billingDetail": US_CA}).status_code == 200
    assert api.orders(session)[0]["buyerEmail"] == "mixed.case@example.org"


def test_body_email_wins_over_the_prefill_and_is_written_back(api):
    session = api.create_session(buyerEmail="first@example.com")
    body = {"checkoutSessionId": session, "buyerEmail": "Second@Example.com", "billingDetail": US_CA}
    assert api.create_order(body).status_code == 200
    assert api.orders(session)[0]["buyerEmail"] == "second@example.com"
    assert api.session_record(session)["buyerEmail"] == "second@example.com"


def test_email_identity_in_the_token_wins(api):
    session = api.create_session(buyerEmail="prefill@example.com")
    token = api.issue_token(buyer=" Token.Buyer@Example.COM ")
    body = {"checkoutSessionId": session, "buyerEmail": "body@example.com", "billingDetail": US_CA}
    assert api.create_order(body, token).status_code == 200
    assert api.orders(session)[0]["buyerEmail"] == "token.buyer@example.com"
    assert api.session_record(session)["buyerEmail"] == "token.buyer@example.com"
    assert api.psp_calls()[-1]["request"]["buyerEmail"] == "token.buyer@example.com"


def test_opaque_identity_carries_no_email(api):
    session = api.create_session()
    token = api.issue_token(buyer="user_8812")
    response = api.create_order({"checkoutSessionId": session, "billingDetail": US_CA}, token)
    assert error_of(response) == (400, "Missing buyerEmail: provide in request body or pre-fill in checkout session")


def test_same_buyer_whatever_the_case(api):
    for email in ("Foo@Bar.COM", "foo@bar.com"):
        session = api.create_session()
        assert api.create_order({"checkoutSessionId": session, "buyerEmail": email, "billingDetail": US_CA}).status_code == 200
    assert {order["buyerEmail"] for order in api.orders()} == {"foo@bar.com"}


def test_garbage_email_is_rejected_without_echo(api):
    session = api.create_session()
    response = api.create_order({"checkoutSessionId": session, "buyerEmail": "not an email <script>", "billingDetail": US_CA})
    status, message = error_of(response)
    assert (status, message) == (400, "Invalid buyerEmail")
    assert api.orders() == []
