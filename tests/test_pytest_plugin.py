"""The pytest plugin as a team's own project meets it: installed, nothing configured, fixtures at
hand (pytester runs each project in a pytest of its own)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
SEED_0_MERCHANT = "MER_5Fv86WdDtE4HtXCmLJcnPF"  # the seeded merchant with --seed 0


def readme_example() -> str:
    """The README's example test file, as written there."""
    section = README.read_text().split("## Test your own code against it with pytest", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


def test_the_readme_s_example_test_file_passes_as_written(pytester):
    pytester.makepyfile(test_checkout=readme_example())
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", readme_example(), re.M)))


def test_the_control_plane_as_methods_from_payment_to_reset(pytester):
    pytester.makepyfile(test_control="""
        from datetime import datetime, timezone

        def test_pay_travel_fail_and_reset(pancake_mock):
            merchant = pancake_mock.merchant
            session = merchant.create_session()
            answer = merchant.create_order({"checkoutSessionId": session, "buyerEmail": "a@example.com",
                                            "billingDetail": {"country": "DE", "isBusiness": False}})
            assert answer.status_code == 200, answer.text
            [order] = pancake_mock.orders(checkoutSessionId=session)
            declined = pancake_mock.pay(order["id"], outcome="card_declined")
            assert declined["payment"]["status"] == "failed" and declined["order"]["status"] == "pending"
            assert pancake_mock.pay(order["id"])["order"]["status"] == "completed"
            assert pancake_mock.order(order["id"])["status"] == "completed"
            assert [call["operation"] for call in pancake_mock.psp_calls()] == ["create_checkout", "charge", "charge"]

            assert pancake_mock.travel("2031-01-02T03:04:05Z") >= datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
            pancake_mock.advance(86400)
            assert pancake_mock.now().date().isoformat() == "2031-01-03"
            pancake_mock.reset_clock()
            assert pancake_mock.now().year < 2031

            assert pancake_mock.psp_faults(fail_next=1)["failNext"] == 1
            failed = merchant.create_order({"checkoutSessionId": merchant.create_session(), "buyerEmail": "a@example.com",
                                            "billingDetail": {"country": "DE", "isBusiness": False}})
            assert failed.status_code == 500
            pancake_mock.clear_psp_faults()

            pancake_mock.reset()
            assert pancake_mock.orders() == [] and pancake_mock.psp_calls() == []
    """)
    pytester.runpytest_subprocess("-q").assert_outcomes(passed=1)


def test_options_come_from_the_ini_file_and_the_command_line(pytester):
    pytester.makeini("""
        [pytest]
        pancake_mock_seed = 7
        pancake_mock_seller_country = IE
        pancake_mock_tax_rates = rates/custom.toml
    """)
    rates = Path(__file__).parents[1] / "src" / "pancake_mock" / "domain" / "tax" / "rates.toml"
    (pytester.path / "rates").mkdir()
    (pytester.path / "rates" / "custom.toml").write_text(rates.read_text())
    pytester.makepyfile(test_options=f"""
        def test_the_mock_was_started_with_them(pancake_mock, pytestconfig):
            arguments = pancake_mock.process.process.args
            assert arguments[arguments.index("--seller-country") + 1] == "IE"
            assert arguments[arguments.index("--tax-rates") + 1] == str(pytestconfig.rootpath / "rates" / "custom.toml")
            seed = arguments[arguments.index("--seed") + 1]
            assert (seed == "7") == (pancake_mock.merchant_id != "{SEED_0_MERCHANT}")
            print("SEED", seed, pancake_mock.merchant_id)
    """)
    from_ini = pytester.runpytest_subprocess("-q", "-s")
    from_ini.assert_outcomes(passed=1)
    assert "SEED 7 MER_" in from_ini.stdout.str()
    from_line = pytester.runpytest_subprocess("-q", "-s", "--pancake-mock-seed", "0")
    from_line.assert_outcomes(passed=1)
    assert f"SEED 0 {SEED_0_MERCHANT}" in from_line.stdout.str()


def test_under_xdist_no_test_sees_another_s_data(pytester):
    """Four workers, each with its own mock; tests in tenants and tests in a worker's own world make
    orders, move clocks and plan failures at once, and each sees exactly what it made."""
    pytester.makepyfile(test_parallel="""
        import pytest

        BILLING = {"country": "DE", "isBusiness": False}

        def my_order(world):
            merchant = world.merchant
            answer = merchant.create_order({"checkoutSessionId": merchant.create_session(), "buyerEmail": "a@example.com",
                                            "billingDetail": BILLING})
            assert answer.status_code == 200, answer.text

        @pytest.mark.parametrize("number", range(12))
        def test_in_a_tenant(pancake_tenant, number):
            pancake_tenant.travel(f"20{40 + number}-06-01T00:00:00Z")
            my_order(pancake_tenant)
            pancake_tenant.psp_faults(fail_next=number)
            assert len(pancake_tenant.orders()) == 1
            assert pancake_tenant.now().year == 2040 + number
            assert pancake_tenant.psp_faults()["failNext"] == number

        @pytest.mark.parametrize("number", range(8))
        def test_in_the_worker_s_own_world(pancake_mock, number):
            pancake_mock.reset()
            my_order(pancake_mock)
            assert len(pancake_mock.orders()) == 1
    """)
    result = pytester.runpytest_subprocess("-q", "-n", "4", "-p", "xdist")
    result.assert_outcomes(passed=20)


@pytest.fixture
def pytester(pytester):
    # The team's project knows nothing of ours: no conftest, no pythonpath of our tests.
    pytester.makeini("[pytest]\n")
    return pytester
