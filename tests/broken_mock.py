"""The real mock with ONE thing broken, to prove `pancake-mock verify` catches it.

    python tests/broken_mock.py VARIANT serve [pancake-mock serve options]

The sabotage is a monkeypatch applied before `pancake_mock.cli.main()` runs in this process;
uvicorn's factory with one worker builds the app in-process, so the patch is what it serves.
Sabotage lives here, in tests, never in src/.
"""

from __future__ import annotations

import sys
import threading

from pancake_mock import cli
from pancake_mock.adapters import keys
from pancake_mock.adapters.psp import FakePsp
from pancake_mock.domain import checkout, errors, orders
from pancake_mock.wire.handlers import Orders


def email_not_normalized() -> None:
    """The body's buyerEmail is stored, written back and sent to the PSP as typed."""
    checkout.normalize_email = lambda text: text


def auth_ignored() -> None:
    """The gateway accepts any merchant signature."""
    keys.verify = lambda public_key_pem, message, signature_b64: True


def message_changed() -> None:
    """One row of the seed's error table answers with different words."""
    errors.STATE_REQUIRED = errors.Problem(400, "State required for US and Canada", "order")


def psp_500_no_rollback() -> None:
    """A declined PSP call still answers 500, but the order and the used session are committed."""
    declined = threading.local()
    open_checkout = FakePsp.create_checkout

    def create_checkout(self, tx, request, now):
        url = open_checkout(self, tx, request, now)
        declined.value = url is None
        return url or f"{self.base_url}/psp/checkout/declined"

    create = Orders._create

    def _create(self, call, command, order_type):
        answer = create(self, call, command, order_type)
        if declined.value:
            raise errors.PSP_FAILED.error()  # a kept error: the transaction commits the order with it
        return answer

    FakePsp.create_checkout = create_checkout
    Orders._create = _create


def echo_input() -> None:
    """An invalid buyerEmail is named in the error message: raw input echoed back."""
    original = checkout.checked_email

    def checked_email(text):
        try:
            return original(text)
        except errors.ApiError as error:
            raise errors.ApiError(error.status, f"Invalid buyerEmail: {text}", error.layer) from None

    checkout.checked_email = orders.checked_email = checked_email


def no_control_plane() -> None:
    """Not broken: a deployment like a real staging API, where /_mock does not exist."""
    from starlette.responses import Response

    from pancake_mock import app

    build = app.create_app

    def create_app():
        served = build()

        async def without_control_plane(scope, receive, send):
            if scope["type"] == "http" and scope["path"].startswith("/_mock"):
                await Response(status_code=404)(scope, receive, send)
            else:
                await served(scope, receive, send)

        return without_control_plane

    app.create_app = create_app


VARIANTS = {
    "email-not-normalized": email_not_normalized,
    "auth-ignored": auth_ignored,
    "message-changed": message_changed,
    "psp-500-no-rollback": psp_500_no_rollback,
    "echo-input": echo_input,
    "no-control-plane": no_control_plane,
}

if __name__ == "__main__":
    VARIANTS[sys.argv[1]]()
    raise SystemExit(cli.main(sys.argv[2:]))
