"""The world regions of the public list's filter, and the region of each country."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from declaration_site.countries import INTERNATIONAL


class Region(models.TextChoices):
    """World regions of the UN geoscheme (M49)."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")
    INTERNATIONAL = "international", _("International")


_COUNTRIES_BY_REGION = {
    Region.AFRICA: """
        DZ EG LY MA SD TN EH IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW
        AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN
        SL TG""",
    Region.AMERICAS: """
        AI AG AR AW BS BB BZ BM BO BQ BV BR CA KY CL CO CR CU CW DM DO EC SV FK GF GL GD GP GT
        GY HT HN JM MQ MX MS NI PA PY PE PR BL KN LC MF PM VC SX GS SR TT TC US UY VE VG VI""",
    Region.ASIA: """
        KZ KG TJ TM UZ CN HK MO KP JP MN KR TW BN KH ID LA MY MM PH SG TH TL VN AF BD BT IN IR
        MV NP PK LK AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE""",
    Region.EUROPE: """
        BY BG CZ HU PL MD RO RU SK UA AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB AL AD BA
        HR GI GR VA IT MT ME MK PT SM RS SI ES AT BE FR DE LI LU MC NL CH""",
    Region.OCEANIA: """
        AU NZ NF HM CX CC FJ NC PG SB VU GU KI MH FM NR MP PW UM AS CK PF NU PN WS TK TO TV WF""",
    # Antarctica belongs to no M49 region; its research stations are international.
    Region.INTERNATIONAL: f"{INTERNATIONAL} AQ",
}
REGION_OF_COUNTRY = {
    code: region for region, codes in _COUNTRIES_BY_REGION.items() for code in codes.split()
}
