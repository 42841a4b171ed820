"""The tax a merchant of record charges on a sale of digital goods, on a given date.

Pure domain: no web framework, no network (VIES, HMRC, GeoIP are never called), no database. Rates are
data (rates.toml, dated from 2023-01-01; an earlier `as_of` is a 400); test IPs are data
(ip_fixtures.json). Research: shared/reference/tax-rules.md.

Choices where the reference leaves one open:

* Contract: the older Waffo BillingDetail. `state` is required for US and CA (no province from the
  postcode); `taxId` is required, and checked offline with python-stdnum, for business buyers inside
  the EU VAT area (Monaco included, excluded territories not). A national number without prefix gets
  the country's VIES prefix; a "GR…" number is rewritten "EL…"; OSS numbers (EU…, IM…) are refused.
  `state` outside US/CA is not validated; it only locates excluded territories (ES-CN, FI-01 …).
  US military codes AA/AE/AP are no ISO subdivision: INVALID_STATE.
* Seller: `SellerEstablishment`, default outside every jurisdiction, so a business that proves
  registration is reverse-charged (EU, UK, NO, AU, NZ, SG, IN, KR …, Canada's GST/HST/QST). When the
  seller is established in the buyer's country the supply is domestic and the business is charged.
* Business buyers: EU — isBusiness with the validated VAT number. Other reverse-charge regimes —
  isBusiness with a taxId that stdnum's `vat` module for that country accepts (gb.vat takes GB and XI,
  au.abn, nz.ird, in_.gstin, kr.brn, sg.uen, no.mva, ca.bn, tw.ubn, th.moa, tr.vkn, cl.rut, co.nit);
  otherwise, or where stdnum has no module (AE, SA, BH), the sale stays B2C and is charged — a bad
  non-EU number is never an error. US — the declared isBusiness alone (OH, IA, CT, MD, PR rules).
* Categories: outside the US all seven TaxCategory values take the destination rate, as MoR tables
  do for "standard digital goods"; the Art. 45 rule for consulting/professional services (B2C taxed
  where the supplier is) is not modelled. In the US, SaaS-taxable states tax every digital category,
  twelve more states tax only downloads (digital_goods, software, ebook, online_course), and
  consulting/professional_service is taxed only by HI and NM, whose gross-receipts taxes reach services.
* US uncertain rows: MS and UT taxable; AL and VT downloads only; CT 6.35 % consumers / 1 % business;
  DC 7 % from 2026-10-01; TX 5 % (6.25 % on 80 %); state rates only, no local tax. Other US outlying
  areas (GU, VI, AS, MP, UM) are not collected.
* Prices are tax-exclusive. Each line is rounded half-up to the currency's minor unit (Canada's GST
  and QST separately, JPY whole yen); tax_amount is the sum of the lines.
* buyer_ip is evidence only: it never changes the rate, and billing country is always given.
  `consistent` compares ISO codes literally (Monaco billing with a French IP is inconsistent).
"""

from .billing import normalize_billing
from .engine import compute_tax
from .evidence import DEFAULT_IP_MAP, IpMap, load_ip_map
from .model import (
    DEFAULT_SELLER,
    TAX_CATEGORIES,
    TREATMENTS,
    BillingDetail,
    LocationEvidence,
    SellerEstablishment,
    TaxLine,
    TaxResult,
)
from .rates import RATE_TABLE, RateTable, load_rate_table

__all__ = [
    "DEFAULT_IP_MAP",
    "DEFAULT_SELLER",
    "RATE_TABLE",
    "TAX_CATEGORIES",
    "TREATMENTS",
    "BillingDetail",
    "IpMap",
    "LocationEvidence",
    "RateTable",
    "SellerEstablishment",
    "TaxLine",
    "TaxResult",
    "compute_tax",
    "load_ip_map",
    "load_rate_table",
    "normalize_billing",
]
