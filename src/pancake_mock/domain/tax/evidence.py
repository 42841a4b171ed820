"""Location evidence from the buyer's IP: a fixture map lookup, never a GeoIP service or the network."""

from __future__ import annotations

import ipaddress
import json
from importlib.resources import files

from .model import LocationEvidence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _load_networks() -> list[tuple[Network, str]]:
    data = json.loads(files(__package__).joinpath("ip_fixtures.json").read_text(encoding="utf-8"))
    networks = [(ipaddress.ip_network(cidr), country) for cidr, country in data["networks"].items()]
    # Most specific first, so a small network carved out of a larger one wins.
    return sorted(networks, key=lambda pair: pair[0].prefixlen, reverse=True)


_NETWORKS = _load_networks()


def ip_country(buyer_ip: str | None) -> str | None:
    """The fixture country of an IP; None when absent, unparseable or not in the map."""
    try:
        address = ipaddress.ip_address((buyer_ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # "::ffff:192.0.2.1", as dual-stack servers report IPv4 clients
    return next((country for network, country in _NETWORKS if address in network), None)


def location_evidence(billing_country: str, buyer_ip: str | None) -> LocationEvidence:
    """Billing country and IP country side by side: a mismatch is recorded, never acted on."""
    country = ip_country(buyer_ip)
    return LocationEvidence(billing_country, country, None if country is None else country == billing_country)
