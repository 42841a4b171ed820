"""Location evidence from the buyer's IP: a fixture map lookup, never a GeoIP service or the network."""

from __future__ import annotations

import ipaddress
import json
from importlib.resources import files

from .model import LocationEvidence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class IpMap:
    """Networks to ISO countries, most specific first, so a network carved out of a larger one wins."""

    def __init__(self, networks: dict[str, str]):
        pairs = [(ipaddress.ip_network(cidr), country.upper()) for cidr, country in networks.items()]
        self._networks = sorted(pairs, key=lambda pair: pair[0].prefixlen, reverse=True)

    def country(self, buyer_ip: str | None) -> str | None:
        """The fixture country of an IP; None when absent, unparseable or not in the map."""
        text = (buyer_ip or "").strip()
        if not text:  # most orders name no IP: no parse attempts, and their exceptions, for nothing
            return None
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # "::ffff:192.0.2.1", as dual-stack servers report IPv4 clients
        return next((country for network, country in self._networks if address in network), None)

    def evidence(self, billing_country: str, buyer_ip: str | None) -> LocationEvidence:
        """Billing country and IP country side by side: a mismatch is recorded, never acted on."""
        country = self.country(buyer_ip)
        return LocationEvidence(billing_country, country, None if country is None else country == billing_country)


def load_ip_map(text: str) -> IpMap:
    """An IpMap from the JSON of ip_fixtures.json: {"networks": {"CIDR": "CC", ...}}."""
    return IpMap(json.loads(text)["networks"])


DEFAULT_IP_MAP = load_ip_map(files(__package__).joinpath("ip_fixtures.json").read_text(encoding="utf-8"))

