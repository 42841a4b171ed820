"""Buyer-IP evidence: the fixture map, and what an unknown or unparseable address gives."""

import ipaddress
import json
from importlib.resources import files

import pycountry
import pytest

from pancake_mock.domain.tax import LocationEvidence
from pancake_mock.domain.tax import DEFAULT_IP_MAP

DOCUMENTATION_BLOCKS = [ipaddress.ip_network(n) for n in
                        ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def test_fixture_map_holds_only_documentation_addresses_and_iso_countries():
    fixtures = json.loads(files("pancake_mock.domain.tax").joinpath("ip_fixtures.json").read_text(encoding="utf-8"))
    assert len(fixtures["networks"]) >= 10
    for cidr, country in fixtures["networks"].items():
        network = ipaddress.ip_network(cidr)
        assert any(network.version == block.version and network.subnet_of(block) for block in DOCUMENTATION_BLOCKS), cidr
        assert pycountry.countries.get(alpha_2=country) is not None, country


@pytest.mark.parametrize("address, country", [
    ("192.0.2.10", "DE"),
    ("192.0.2.63", "DE"),
    ("192.0.2.64", "FR"),
    ("192.0.2.200", "US"),
    ("198.51.100.5", "CA"),
    ("198.51.100.70", "JP"),
    ("203.0.113.230", "MC"),
    (" 192.0.2.10 ", "DE"),
    ("::ffff:192.0.2.10", "DE"),       # IPv4-mapped, as a dual-stack server reports it
    ("2001:db8:de::1", "DE"),
    ("2001:DB8:1:ffff::abcd", "US"),
])
def test_mapped_addresses(address, country):
    assert DEFAULT_IP_MAP.country(address) == country


@pytest.mark.parametrize("address", [
    None, "", "not-an-ip", "999.1.1.1", "192.0.2.10:443", "192.0.2.0/24",
    "203.0.113.250",       # documentation range left unmapped
    "2001:db8:ffff::1",
    "8.8.8.8",             # a real address: no GeoIP, so unknown
])
def test_unknown_or_unparseable_addresses_are_simply_not_in_the_map(address):
    assert DEFAULT_IP_MAP.country(address) is None


def test_evidence_records_agreement_disagreement_and_absence():
    assert DEFAULT_IP_MAP.evidence("DE", "192.0.2.10") == LocationEvidence("DE", "DE", True)
    assert DEFAULT_IP_MAP.evidence("DE", "192.0.2.200") == LocationEvidence("DE", "US", False)
    assert DEFAULT_IP_MAP.evidence("DE", "203.0.113.250") == LocationEvidence("DE", None, None)
    assert DEFAULT_IP_MAP.evidence("DE", None) == LocationEvidence("DE", None, None)


def test_countries_are_compared_literally():
    # Monaco is taxed as France, but as evidence of location a French IP is another country.
    assert DEFAULT_IP_MAP.evidence("MC", "192.0.2.70").consistent is False
    assert DEFAULT_IP_MAP.evidence("MC", "203.0.113.225").consistent is True
