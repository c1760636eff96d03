#!/usr/bin/env python3
"""Write the two Kazakhstan rare-earth input workbooks of corridor: Kazakh ore to Japan, Korea, the US, the EU.

Usage:  python inputs/build_kazakhstan_rare_earths.py                  all four files below
        python inputs/build_kazakhstan_rare_earths.py OUT.xlsx         the one-year case to OUT.xlsx only
        python inputs/build_kazakhstan_rare_earths.py --strategic OUT.xlsx   the strategic case to OUT.xlsx only
        (both may be given together; each option may be repeated)

1. The one-year default case, ``write``: kazakhstan_rare_earths.xlsx beside this script and the same bytes as the
   package's embedded default case, model/corridor/cases/kazakhstan_rare_earths.xlsx (a test keeps the two
   identical).  Twelve months of 2027 standing for any steady-state year (horizon cyclic), ore and the element
   oxides, a candidate plant in Kazakhstan, disruption scenarios and a planning study.  Contract v1 but for the
   elements (contract v2 `site_products` and `commodities.disposal_cost_per_t`) and the economics (contract v2
   `charges`: Japan's Middle Corridor subsidy, the US tariff on CN-processed oxide, the G7 carbon tax off;
   `demand.min_fill` 0.9 on defense; CN-TRANSIT with `scope = chain`).  Its demand is scaled so that the ore
   can meet it in the undisrupted year (95% of the REO the mine's ore makes, in the case file's proportions).
2. The strategic case (contract v2), ``write_strategic``: kazakhstan_rare_earths_2027_2032.xlsx beside this
   script and the same bytes in model/corridor/cases/.  It is built from the one-year case's tables
   (``build_strategic_tables`` transforms ``build_tables``), as the case file's "The strategic case" says for
   the horizon, demand growth, discount rate and investments: 72 monthly periods 2027-01 .. 2032-12 with their
   `year` (horizon open, discount rate 0.08), demand +5% a year, a `concentrate` commodity made at a new
   KZ-CONCENTRATOR at the mine (concentrate routes follow every ore route out of the mine over the same
   legs), ore concentrated on site and one concentrate -> oxides line at every plant (capacity shared by both
   feeds), KZ-NEW-PLANT built only through investments (three exclusive sizes), the Aktau and Caspian ferry
   expansions, the case file's charges (JP-MC-SUBSIDY with a budget of 120 M USD x 6 years, US-TARIFF-CN,
   G7-CARBON-CN off), CN-TRANSIT with scope = chain and defense min_fill 0.9 (with three months of NdPr and
   Dy+Tb in the markets' warehouses at the start, so the first months can meet it).  Its demand is the case
   file's strategic reading: the one-year REO figures read as NdPr (not the one-year case's scaled demand).
   Its `scenarios` sheet is its own (independence, the 60-month plant lead, the G7 carbon tax).  The one-year
   case's `disruptions` sheet is left out of it: its disruption scenarios were written for a representative
   year, and without them the 72-period case stays a single solve.

Both cases carry the elements (the case file's "Elements instead of one oxide"): the case file's one oxide `reo`
is four commodities, NdPr oxide (`ndpr`, the sites rows' output), La+Ce (`lace`), Dy+Tb (`dytb`) and Y+other
(`yoth`), co-products of every separation process in the `site_products` sheet at their share of the input's
REO content (0.04 t per t of ore, 0.36 per t of concentrate), with hydrochloric acid (`hcl`) as a reagent
supplied at every separation site.  The demand rows are NdPr (the case file's REO figures), Dy+Tb (3% of them)
and La+Ce (Japan and the EU, 30% of what the mine's ore makes); La+Ce and Y+other have a disposal cost; the
reo routes are one route per element that the destination takes.

Every figure comes from /work/shared/case/kazakhstan-rare-earths.md ("case file: ...") or is an
assumption ("assumption: ...", with the reason in `note`). Sheets and columns follow the input
workbook contract (spec/workbook.md, v1 and v2). Output is byte-for-byte deterministic.
"""
import argparse
import calendar
import io
import math
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

# ----------------------------------------------------------------------------------------------
# settings, periods, commodities
# ----------------------------------------------------------------------------------------------
SETTINGS = [  # key, value, source, note
    ("objective", "min_cost", "case file: the base case and its variants are compared on cost", ""),
    ("horizon", "cyclic", "contract default: a representative year that repeats", "2027 stands for any steady-state year"),
    ("currency", "USD", "case file: all money in USD", ""),
    ("shortfall_penalty_per_t", 1000000, "contract default 1e6", "used only where demand gives no penalty"),
    ("time_limit_s", 600, "contract default", ""),
    ("mip_rel_gap", 1e-6, "product choice", "tighter than the contract default 1e-4 so the default case is solved to (near-)proven optimality; it solves in a few seconds with its disruption scenarios"),
    ("threads", None, "contract default (blank = solver default)", ""),
]
YEAR = 2027
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  # 2027 is not a leap year

# The elements (case file, "Elements instead of one oxide"): separation turns a tonne of input into element oxides
# jointly, per tonne of its REO content; the REO of the case file's `reo` is split into four commodities.  NdPr is
# the sites rows' output (the element the markets' demand is about), the other three are site_products co-products.
ELEM_SRC = ("case file: elements, per t of REO content (assumption for a light-REE deposit, Bayan Obo / Mountain "
            "Pass distributions; replace with the deposit's assay)")
PRICE_SRC = "case file: price (assumption, order of 2025 quotes)"
MAIN = "ndpr"  # sites.output_commodity of every separation process
ELEMENTS = [  # commodity, description, share of REO, price USD/t, disposal_cost_per_t, disposal source, note
    ("ndpr", "NdPr oxide (neodymium-praseodymium), magnet feed", 0.22, 70000, None, "",
     "the sites rows' output (main product); blank disposal: never discarded"),
    ("lace", "La+Ce oxides (lanthanum, cerium)", 0.68, 1500, 300,
     "case file: disposal_cost_per_t of La+Ce 300 USD/t (assumption): the balance problem",
     "co-product (site_products); taken only in Japan and the EU, up to 30% of what is made; the rest is discarded"),
    ("dytb", "Dy+Tb oxides (dysprosium, terbium), heavy magnet additives", 0.006, 400000, None, "",
     "co-product (site_products); blank disposal: never discarded"),
    ("yoth", "yttrium and other heavy oxides", 0.094, 20000, 100,
     "assumption: the case file gives Y+other no demand; stockpiled at the plant at 100 USD/t",
     "co-product (site_products); no market in the case (its 20,000 USD/t price would need a heavy-REE separation "
     "and offtake the case does not model), so the plant drums and stockpiles it: disposal_cost_per_t 100 USD/t "
     "(assumption: handling and warehousing, a third of La+Ce's 300), which keeps every plan feasible"),
]
SHARE = {c: share for c, _d, share, *_ in ELEMENTS}
PRICES = {c: price for c, _d, _s, price, *_ in ELEMENTS}
assert abs(sum(SHARE.values()) - 1) < 1e-9
HCL = "hcl"
HCL_PER_T_OXIDE = {"CN": 1.2, "other": 8}  # case file: t HCl per t of oxide made, Chinese technology / elsewhere
HCL_PRICE = 200  # case file: 200 USD/t delivered (assumption)
HCL_SRC = ("case file: reagents, hydrochloric acid per t of oxide made: 1.2 t at plants with Chinese technology, 8 t "
           "elsewhere (seed figure for praseodymium oxide, applied to all oxides: assumption)")

COMMODITIES = [  # commodity, unit, description, disposal_cost_per_t, source, note
    ("ore", "t", "raw rare-earth ore, Karaganda deposit", None, "case file: commodities ore (raw ore, t)", ""),
] + [
    (c, "t", d, disp, "; ".join(x for x in (ELEM_SRC + f": {share} of REO", PRICE_SRC + f": {price:,} USD/t",
                                                     dsrc) if x),
     note + f"; price {price:,} USD/t" + ("" if c != "yoth" else " (on no demand row: no market in the case)"))
    for c, d, share, price, disp, dsrc, note in ELEMENTS
] + [
    (HCL, "t", "hydrochloric acid (reagent of separation)", None, HCL_SRC + "; 200 USD/t delivered (assumption)",
     "a reagent (site_products yield < 0), supplied at every separation site's node"),
]

# ----------------------------------------------------------------------------------------------
# nodes: id, kind, country, lat, lon, description, source, note   (lat/lon approximate)
# ----------------------------------------------------------------------------------------------
NODES = [
    ("KZ-KARAGANDA", "mine", "KZ", 49.80, 73.10, "Karaganda rare-earth deposit (>20 Mt)", "case file: mine KZ-KARAGANDA", ""),
    ("CN-BAOTOU", "site", "CN", 40.65, 109.84, "Baotou separation (China)", "case file: sites table", ""),
    ("MY-KUANTAN", "site", "MY", 3.97, 103.38, "Lynas, Gebeng/Kuantan (port-side plant)", "case file: sites table", ""),
    ("EE-SILLAMAE", "site", "EE", 59.40, 27.76, "Neo Performance Materials Silmet (port-side plant)", "case file: sites table", ""),
    ("US-MOUNTAIN-PASS", "site", "US", 35.48, -115.53, "MP Materials, Mountain Pass", "case file: sites table", ""),
    ("JP-REFINERY", "site", "JP", 35.30, 139.45, "Japanese refinery ~50 km from Yokohama", "case file: sites table; Yokohama <-> JP-REFINERY 50 km", "location assumption: any plant ~50 km from the port"),
    ("KR-SMELTER", "site", "KR", 35.43, 129.35, "Korean smelter ~50 km from Busan", "case file: sites table; Busan <-> KR-SMELTER 50 km", "location assumption: Onsan/Ulsan area"),
    ("KZ-NEW-PLANT", "site", "KZ", 50.30, 75.50, "candidate Kazakh separation plant (planned by 2028)", "case file: KZ-NEW-PLANT candidate; Karaganda -> KZ-NEW-PLANT 200 km rail", "location assumption: ~200 km from the mine"),
    ("JP-YOKOHAMA", "market", "JP", 35.45, 139.65, "Japan offtake, port of Yokohama", "case file: markets", "also the discharge port for JP-REFINERY ore"),
    ("KR-BUSAN", "market", "KR", 35.10, 129.04, "Korea offtake, port of Busan", "case file: markets", "also the discharge port for KR-SMELTER ore"),
    ("US-LONG-BEACH", "market", "US", 33.75, -118.20, "US offtake, port of Long Beach", "case file: markets", "also the discharge port for Mountain Pass ore"),
    ("NL-ROTTERDAM", "market", "NL", 51.95, 4.13, "EU offtake, port of Rotterdam", "case file: markets", "also a sea transshipment hub"),
    ("KZ-ALTYNKOL", "border", "KZ", 44.20, 80.30, "Altynkol (KZ side of Khorgos)", "case file: China corridor Karaganda -> Altynkol/Khorgos", ""),
    ("CN-KHORGOS", "border", "CN", 44.21, 80.41, "Khorgos (CN side): gauge change 1520/1435", "case file: Khorgos runs 20+ trains a day", "separate node so the border crossing is one leg shared by all China routes"),
    ("CN-LIANYUNGANG", "port", "CN", 34.60, 119.22, "Lianyungang port (China-Kazakhstan logistics base)", "case file: >80% of Kazakh transit trade uses Lianyungang", ""),
    ("CN-TIANJIN", "port", "CN", 38.98, 117.75, "Tianjin port", "case file: Baotou -> Tianjin port 900 km rail -> sea onward", ""),
    ("KZ-AKTAU", "port", "KZ", 43.65, 51.17, "Aktau Caspian port", "case file: Middle Corridor", ""),
    ("AZ-BAKU", "port", "AZ", 40.35, 49.95, "Baku (Alat) Caspian port", "case file: Middle Corridor", ""),
    ("GE-GARDABANI", "border", "GE", 41.46, 45.09, "AZ/GE rail border (Boyuk-Kasik / Gardabani)", "assumption: border point on Baku -> Poti 860 km rail", "splits the 860 km into 500 km AZ + 360 km GE so each leg has one country"),
    ("GE-POTI", "port", "GE", 42.15, 41.67, "Poti Black Sea port", "case file: Middle Corridor Georgia (Poti / Batumi)", ""),
    ("KZ-PETROPAVL", "border", "KZ", 54.87, 69.15, "Petropavl (KZ/RU rail border)", "case file: Northern route", ""),
    ("RU-UST-LUGA", "port", "RU", 59.68, 28.40, "Ust-Luga / St Petersburg Baltic port", "case file: Northern route", ""),
    ("KZ-BOLASHAK", "border", "KZ", 41.20, 55.30, "Bolashak (KZ/TM rail border)", "case file: Southern (INSTC) route", ""),
    ("IR-INCHE-BORUN", "border", "IR", 37.45, 54.70, "Etrek / Incheh Borun (TM/IR border): gauge change", "assumption: border point on Bolashak -> Bandar Abbas 2,000 km rail", "splits the 2,000 km into 700 km TM + 1,300 km IR so the IR transit rule sees IR"),
    ("IR-BANDAR-ABBAS", "port", "IR", 27.18, 56.27, "Bandar Abbas port", "case file: Southern (INSTC) route", ""),
]

# ----------------------------------------------------------------------------------------------
# supply, sites
# ----------------------------------------------------------------------------------------------
SUPPLY = [  # node, commodity, period, t/yr, cost_per_t, source, note
    ("KZ-KARAGANDA", "ore", "*", 500000, 40,
     "case file: up to 500,000 t ore/yr (~41,700 t/month); mining cost 40 USD/t (assumption)",
     "capacity_t = 500,000/12 rounded to the tonne"),
]
SITES = [  # site, capacity t ore/yr, cost per t ore, status, fixed_cost, tech_origin, source
    ("CN-BAOTOU", 300000, 120, "existing", 0, "CN", "case file: sites table, CN-BAOTOU (capacity, cost: assumption)"),
    ("MY-KUANTAN", 100000, 180, "existing", 0, "MY", "case file: sites table, MY-KUANTAN Lynas (capacity, cost: assumption)"),
    ("EE-SILLAMAE", 75000, 200, "existing", 0, "EE", "case file: sites table, EE-SILLAMAE Silmet (capacity, cost: assumption)"),
    ("US-MOUNTAIN-PASS", 60000, 220, "existing", 0, "US", "case file: sites table, US-MOUNTAIN-PASS (capacity, cost: assumption)"),
    ("JP-REFINERY", 25000, 260, "existing", 0, "CN", "case file: sites table, JP-REFINERY; tech_origin CN: 30% of Japanese refining uses Chinese technology (capacity, cost: assumption)"),
    ("KR-SMELTER", 8000, 240, "existing", 0, "KR", "case file: sites table, KR-SMELTER 8,000 t/yr seed figure read as input (assumption)"),
    ("KZ-NEW-PLANT", 200000, 210, "candidate", 150000000, "JP", "case file: sites table, KZ-NEW-PLANT candidate, fixed cost 150,000,000 annualised capex, tech JP (assumption)"),
]
YIELD = 0.04  # case file: ~0.04 t REO per t ore (assumption: ~4-5% TREO grade, ~90% recovery)


def element_yields(reo_per_t: float) -> dict:
    """Tonnes of each element oxide per t of an input holding ``reo_per_t`` t of REO (its share of the REO)."""
    return {c: round(reo_per_t * share, 9) for c, share in SHARE.items()}


def hcl_per_t_oxide(tech_origin: str) -> float:
    """Tonnes of HCl per t of oxide made at a plant of this technology origin (case file: 1.2 CN, 8 elsewhere)."""
    return HCL_PER_T_OXIDE["CN" if tech_origin == "CN" else "other"]


ORE_YIELD_SRC = (f"; yield {element_yields(YIELD)[MAIN]} t NdPr per t ore = 0.04 t REO per t ore (case file, "
                 f"assumption) x the {SHARE[MAIN]} NdPr share of REO (case file: elements, assumption)")
HCL_AMPLE = 2  # an HCl supply row offers twice the most its site can consume (capacity ample: assumption)

# ----------------------------------------------------------------------------------------------
# legs.  Freight = distance x rate of the leg's class; transit_days = ceil(dwell + km / speed).
# ----------------------------------------------------------------------------------------------
RATES = {  # class: mode, USD per t-km, km per day, source
    "KZ-rail": ("rail", 0.035, 600, "KZ rail 0.035 USD/t-km (case file, assumption); 600 km/d (case: 600-900 km/d in CN/KZ, low end)"),
    "CN-rail": ("rail", 0.040, 600, "CN rail 0.040 USD/t-km (case file, assumption); 600 km/d (case: 600-900 km/d in CN/KZ, low end)"),
    "RU-rail": ("rail", 0.070, 600, "RU rail 0.07 USD/t-km, doubled since 2022 (case file, assumption); 600 km/d (assumption, as KZ)"),
    "AZGE-rail": ("rail", 0.060, 400, "AZ/GE/TR rail 0.06 USD/t-km (case file, assumption); 400 km/d incl. waits (case file)"),
    "TMIR-rail": ("rail", 0.060, 400, "TM/IR rail 0.06 USD/t-km and 400 km/d (assumption: not in case; AZ/GE/TR figures reused)"),
    "ferry": ("ferry", 0.150, 450, "Caspian ferry 0.15 USD/t-km (case file, assumption); 1 d crossing + waiting = 3-7 d (case file)"),
    "sea": ("sea", 0.006, 600, "deep sea 0.006 USD/t-km (case file, assumption); 600 km/d (case file)"),
    "road": ("road", 0.100, 400, "road 0.10 USD/t-km, 400 km/d (assumption: local truck haul, not in case)"),
}
HANDLING = {  # code: USD/t paid on entering the leg
    "-": (0, ""),
    "T": (15, "handling 15 USD/t transshipment (case file, assumption)"),
    "TG": (25, "handling 15 transshipment + 10 gauge change (case file, assumption)"),
}
# Dwell at the start of a leg (assumption, calibrated so that Karaganda -> Yokohama via China is
# ~25 days, case file): 2 d loading/export papers at a mine or plant; 3 d at a transshipment
# border/port with gauge change; 1 d at a same-gauge border; 5 d before a sailing (consolidation,
# customs, waiting for the ship); 4 d waiting for the Caspian ferry; 1 d discharge before a local haul.
M = 200000  # Khorgos border crossing share for this case, t/month (assumption)
LEGS = [  # leg, from, to, class, country, km, handling, dwell_d, capacity_t/month, source (distance)
    # --- China corridor
    ("RAIL-KARAGANDA-ALTYNKOL", "KZ-KARAGANDA", "KZ-ALTYNKOL", "KZ-rail", "KZ", 1350, "-", 2, None, "case file: Karaganda -> Altynkol/Khorgos 1,350 km rail (KZ)"),
    ("BORDER-ALTYNKOL-KHORGOS", "KZ-ALTYNKOL", "CN-KHORGOS", "CN-rail", "CN", 10, "TG", 3, M, "case file: Khorgos runs 20+ trains a day at peak; crossing ~10 km and capacity 200,000 t/month for this case (assumption)"),
    ("RAIL-KHORGOS-LIANYUNGANG", "CN-KHORGOS", "CN-LIANYUNGANG", "CN-rail", "CN", 4200, "-", 0, None, "case file: Altynkol/Khorgos -> Lianyungang 4,200 km rail (CN)"),
    ("RAIL-KHORGOS-BAOTOU", "CN-KHORGOS", "CN-BAOTOU", "CN-rail", "CN", 3400, "-", 0, None, "case file: Khorgos -> Baotou 3,400 km rail (CN)"),
    ("SEA-LIANYUNGANG-YOKOHAMA", "CN-LIANYUNGANG", "JP-YOKOHAMA", "sea", "CN", 1900, "T", 5, None, "case file: Lianyungang -> Yokohama 1,900 km sea"),
    ("SEA-LIANYUNGANG-BUSAN", "CN-LIANYUNGANG", "KR-BUSAN", "sea", "CN", 950, "T", 5, None, "case file: Lianyungang -> Busan 950 km sea"),
    ("SEA-LIANYUNGANG-LONGBEACH", "CN-LIANYUNGANG", "US-LONG-BEACH", "sea", "CN", 10400, "T", 5, None, "case file: Lianyungang -> Long Beach 10,400 km sea"),
    ("SEA-LIANYUNGANG-ROTTERDAM", "CN-LIANYUNGANG", "NL-ROTTERDAM", "sea", "CN", 19500, "T", 5, None, "case file: Lianyungang -> Rotterdam 19,500 km sea"),
    ("SEA-LIANYUNGANG-KUANTAN", "CN-LIANYUNGANG", "MY-KUANTAN", "sea", "CN", 4000, "T", 5, None, "case file: Lianyungang -> Kuantan 4,000 km sea"),
    ("RAIL-BAOTOU-TIANJIN", "CN-BAOTOU", "CN-TIANJIN", "CN-rail", "CN", 900, "-", 2, None, "case file: Baotou -> Tianjin port 900 km rail (CN)"),
    ("SEA-TIANJIN-YOKOHAMA", "CN-TIANJIN", "JP-YOKOHAMA", "sea", "CN", 2100, "T", 5, None, "assumption: Tianjin -> Yokohama ~2,100 km sea (~1,150 nm; case gives none)"),
    ("SEA-TIANJIN-BUSAN", "CN-TIANJIN", "KR-BUSAN", "sea", "CN", 1000, "T", 5, None, "assumption: Tianjin -> Busan ~1,000 km sea (~550 nm; case gives none)"),
    ("SEA-TIANJIN-LONGBEACH", "CN-TIANJIN", "US-LONG-BEACH", "sea", "CN", 10600, "T", 5, None, "assumption: Tianjin -> Long Beach ~10,600 km sea (case: Lianyungang 10,400 + ~200)"),
    ("SEA-TIANJIN-ROTTERDAM", "CN-TIANJIN", "NL-ROTTERDAM", "sea", "CN", 20000, "T", 5, None, "assumption: Tianjin -> Rotterdam ~20,000 km via Suez (case: Lianyungang 19,500 + ~500)"),
    # --- Middle Corridor
    ("RAIL-KARAGANDA-AKTAU", "KZ-KARAGANDA", "KZ-AKTAU", "KZ-rail", "KZ", 2400, "-", 2, None, "case file: Karaganda -> Aktau 2,400 km rail (KZ)"),
    ("FERRY-AKTAU-BAKU", "KZ-AKTAU", "AZ-BAKU", "ferry", "KZ", 450, "T", 4, 25000, "case file: Aktau -> Baku 450 km ferry; ferry ~4 Mt/yr of containers, this case's share 25,000 t/month (assumption)"),
    ("RAIL-BAKU-GARDABANI", "AZ-BAKU", "GE-GARDABANI", "AZGE-rail", "AZ", 500, "TG", 3, None, "case file: Baku -> Poti 860 km rail (AZ/GE); AZ part ~500 km (assumption); gauge/regime change of the Caucasus charged here"),
    ("RAIL-GARDABANI-POTI", "GE-GARDABANI", "GE-POTI", "AZGE-rail", "GE", 360, "-", 1, None, "case file: Baku -> Poti 860 km rail (AZ/GE); GE part ~360 km (assumption)"),
    ("SEA-POTI-ROTTERDAM", "GE-POTI", "NL-ROTTERDAM", "sea", "GE", 7000, "T", 5, None, "case file: Poti -> Rotterdam 7,000 km sea"),
    ("SEA-POTI-YOKOHAMA", "GE-POTI", "JP-YOKOHAMA", "sea", "GE", 17500, "T", 5, None, "case file: Poti -> Yokohama 17,500 km sea (via Suez)"),
    ("SEA-POTI-LONGBEACH", "GE-POTI", "US-LONG-BEACH", "sea", "GE", 19000, "T", 5, None, "case file: Poti -> Long Beach 19,000 km sea"),
    ("SEA-POTI-KUANTAN", "GE-POTI", "MY-KUANTAN", "sea", "GE", 12000, "T", 5, None, "case file: Poti -> Kuantan 12,000 km sea"),
    # --- Northern
    ("RAIL-KARAGANDA-PETROPAVL", "KZ-KARAGANDA", "KZ-PETROPAVL", "KZ-rail", "KZ", 700, "-", 2, None, "case file: Karaganda -> Petropavl 700 km rail (KZ)"),
    ("RAIL-PETROPAVL-USTLUGA", "KZ-PETROPAVL", "RU-UST-LUGA", "RU-rail", "RU", 2800, "-", 1, None, "case file: Petropavl -> St Petersburg / Ust-Luga 2,800 km rail (RU)"),
    ("SEA-USTLUGA-ROTTERDAM", "RU-UST-LUGA", "NL-ROTTERDAM", "sea", "RU", 2100, "T", 5, None, "case file: Ust-Luga -> Rotterdam 2,100 km sea"),
    ("SEA-USTLUGA-SILLAMAE", "RU-UST-LUGA", "EE-SILLAMAE", "sea", "RU", 100, "T", 5, None, "case file: Ust-Luga -> Sillamae 100 km (border EE); short-sea feeder (assumption)"),
    # --- Southern (INSTC)
    ("RAIL-KARAGANDA-BOLASHAK", "KZ-KARAGANDA", "KZ-BOLASHAK", "KZ-rail", "KZ", 2200, "-", 2, None, "case file: Karaganda -> Bolashak border 2,200 km rail (KZ)"),
    ("RAIL-BOLASHAK-INCHEBORUN", "KZ-BOLASHAK", "IR-INCHE-BORUN", "TMIR-rail", "TM", 700, "-", 1, None, "case file: Bolashak -> Bandar Abbas 2,000 km rail (TM/IR); TM part ~700 km (assumption)"),
    ("RAIL-INCHEBORUN-BANDARABBAS", "IR-INCHE-BORUN", "IR-BANDAR-ABBAS", "TMIR-rail", "IR", 1300, "TG", 3, None, "case file: Bolashak -> Bandar Abbas 2,000 km rail (TM/IR); IR part ~1,300 km and gauge change (assumption)"),
    ("SEA-BANDARABBAS-YOKOHAMA", "IR-BANDAR-ABBAS", "JP-YOKOHAMA", "sea", "IR", 11500, "T", 5, None, "case file: Bandar Abbas -> Yokohama 11,500 km sea"),
    ("SEA-BANDARABBAS-ROTTERDAM", "IR-BANDAR-ABBAS", "NL-ROTTERDAM", "sea", "IR", 11000, "T", 5, None, "case file: Bandar Abbas -> Rotterdam 11,000 km sea"),
    ("SEA-BANDARABBAS-LONGBEACH", "IR-BANDAR-ABBAS", "US-LONG-BEACH", "sea", "IR", 21000, "T", 5, None, "case file: Bandar Abbas -> Long Beach 21,000 km sea"),
    # --- Domestic: the candidate plant and its own legs to the corridor heads
    ("RAIL-KARAGANDA-KZPLANT", "KZ-KARAGANDA", "KZ-NEW-PLANT", "KZ-rail", "KZ", 200, "-", 1, None, "case file: Karaganda -> KZ-NEW-PLANT 200 km rail"),
    ("RAIL-KZPLANT-ALTYNKOL", "KZ-NEW-PLANT", "KZ-ALTYNKOL", "KZ-rail", "KZ", 1350, "-", 2, None, "assumption: plant in the Karaganda region, distance taken as Karaganda -> Altynkol 1,350 km (case)"),
    ("RAIL-KZPLANT-AKTAU", "KZ-NEW-PLANT", "KZ-AKTAU", "KZ-rail", "KZ", 2400, "-", 2, None, "assumption: plant in the Karaganda region, distance taken as Karaganda -> Aktau 2,400 km (case)"),
    ("RAIL-KZPLANT-PETROPAVL", "KZ-NEW-PLANT", "KZ-PETROPAVL", "KZ-rail", "KZ", 700, "-", 2, None, "assumption: plant in the Karaganda region, distance taken as Karaganda -> Petropavl 700 km (case)"),
    ("RAIL-KZPLANT-BOLASHAK", "KZ-NEW-PLANT", "KZ-BOLASHAK", "KZ-rail", "KZ", 2200, "-", 2, None, "assumption: plant in the Karaganda region, distance taken as Karaganda -> Bolashak 2,200 km (case)"),
    # --- local hauls between ports/markets and plants
    ("ROAD-YOKOHAMA-JPREFINERY", "JP-YOKOHAMA", "JP-REFINERY", "road", "JP", 50, "T", 1, None, "case file: Yokohama <-> JP-REFINERY 50 km"),
    ("ROAD-JPREFINERY-YOKOHAMA", "JP-REFINERY", "JP-YOKOHAMA", "road", "JP", 50, "-", 1, None, "case file: Yokohama <-> JP-REFINERY 50 km"),
    ("ROAD-BUSAN-KRSMELTER", "KR-BUSAN", "KR-SMELTER", "road", "KR", 50, "T", 1, None, "case file: Busan <-> KR-SMELTER 50 km"),
    ("ROAD-KRSMELTER-BUSAN", "KR-SMELTER", "KR-BUSAN", "road", "KR", 50, "-", 1, None, "case file: Busan <-> KR-SMELTER 50 km"),
    ("ROAD-LONGBEACH-MTPASS", "US-LONG-BEACH", "US-MOUNTAIN-PASS", "road", "US", 400, "T", 1, None, "case file: Long Beach <-> Mountain Pass 400 km road/rail"),
    ("ROAD-MTPASS-LONGBEACH", "US-MOUNTAIN-PASS", "US-LONG-BEACH", "road", "US", 400, "-", 1, None, "case file: Long Beach <-> Mountain Pass 400 km road/rail"),
    ("SEA-ROTTERDAM-SILLAMAE", "NL-ROTTERDAM", "EE-SILLAMAE", "sea", "NL", 2000, "T", 5, None, "case file: Rotterdam <-> Sillamae by sea 2,000 km"),
    ("SEA-SILLAMAE-ROTTERDAM", "EE-SILLAMAE", "NL-ROTTERDAM", "sea", "EE", 2000, "T", 5, None, "case file: Rotterdam <-> Sillamae by sea 2,000 km"),
    ("SEA-ROTTERDAM-LONGBEACH", "NL-ROTTERDAM", "US-LONG-BEACH", "sea", "NL", 14800, "T", 5, None, "assumption: Rotterdam -> Long Beach ~14,800 km via Panama (~8,000 nm; case gives none)"),
    ("SEA-ROTTERDAM-YOKOHAMA", "NL-ROTTERDAM", "JP-YOKOHAMA", "sea", "NL", 20500, "T", 5, None, "assumption: Rotterdam -> Yokohama ~20,500 km via Suez (~11,100 nm; case gives none)"),
    # --- Kuantan (Lynas) REO by sea
    ("SEA-KUANTAN-YOKOHAMA", "MY-KUANTAN", "JP-YOKOHAMA", "sea", "MY", 5400, "T", 5, None, "assumption: Kuantan -> Yokohama ~5,400 km sea (~2,900 nm; case gives none)"),
    ("SEA-KUANTAN-BUSAN", "MY-KUANTAN", "KR-BUSAN", "sea", "MY", 4600, "T", 5, None, "assumption: Kuantan -> Busan ~4,600 km sea (~2,500 nm; case gives none)"),
    ("SEA-KUANTAN-LONGBEACH", "MY-KUANTAN", "US-LONG-BEACH", "sea", "MY", 13900, "T", 5, None, "assumption: Kuantan -> Long Beach ~13,900 km sea (~7,500 nm; case gives none)"),
    ("SEA-KUANTAN-ROTTERDAM", "MY-KUANTAN", "NL-ROTTERDAM", "sea", "MY", 15500, "T", 5, None, "assumption: Kuantan -> Rotterdam ~15,500 km via Singapore and Suez (~8,400 nm; case gives none)"),
]

# ----------------------------------------------------------------------------------------------
# routes: id, origin, destination, commodity, corridor, legs (in order), source
# ----------------------------------------------------------------------------------------------
CN = ["RAIL-KARAGANDA-ALTYNKOL", "BORDER-ALTYNKOL-KHORGOS", "RAIL-KHORGOS-LIANYUNGANG"]
MC = ["RAIL-KARAGANDA-AKTAU", "FERRY-AKTAU-BAKU", "RAIL-BAKU-GARDABANI", "RAIL-GARDABANI-POTI"]
NR = ["RAIL-KARAGANDA-PETROPAVL", "RAIL-PETROPAVL-USTLUGA"]
SO = ["RAIL-KARAGANDA-BOLASHAK", "RAIL-BOLASHAK-INCHEBORUN", "RAIL-INCHEBORUN-BANDARABBAS"]
P_CN = ["RAIL-KZPLANT-ALTYNKOL"] + CN[1:]          # KZ-NEW-PLANT heads: own first leg, then shared
P_MC = ["RAIL-KZPLANT-AKTAU"] + MC[1:]
P_NR = ["RAIL-KZPLANT-PETROPAVL"] + NR[1:]
P_SO = ["RAIL-KZPLANT-BOLASHAK"] + SO[1:]
S_CN = "case file: China corridor Karaganda -> Khorgos -> Chinese rail -> Lianyungang -> sea"
S_MC = "case file: Middle Corridor Karaganda -> Aktau -> ferry -> Baku -> Poti -> sea"
S_NR = "case file: Northern route Karaganda -> Petropavl -> Ust-Luga"
S_SO = "case file: Southern (INSTC) Karaganda -> Bolashak -> Bandar Abbas -> sea"
S_BT = "case file: Baotou -> Tianjin port 900 km rail (CN) -> sea onward"
S_SEA = "case file: alternatives outside China ship REO by sea (sea distances: see legs)"
S_LOC = "case file: local links (Yokohama/Busan/Long Beach <-> plant)"
ROUTES = [
    # (a) ore from the mine to every site, over each plausible corridor
    ("ORE-CN-BAOTOU", "KZ-KARAGANDA", "CN-BAOTOU", "ore", "China", ["RAIL-KARAGANDA-ALTYNKOL", "BORDER-ALTYNKOL-KHORGOS", "RAIL-KHORGOS-BAOTOU"], "case file: Karaganda -> Khorgos -> Baotou 3,400 km rail; ~85% of Kazakh ore went to China for refining"),
    ("ORE-CN-KUANTAN", "KZ-KARAGANDA", "MY-KUANTAN", "ore", "China", CN + ["SEA-LIANYUNGANG-KUANTAN"], S_CN),
    ("ORE-MC-KUANTAN", "KZ-KARAGANDA", "MY-KUANTAN", "ore", "Middle Corridor", MC + ["SEA-POTI-KUANTAN"], S_MC),
    ("ORE-NR-SILLAMAE", "KZ-KARAGANDA", "EE-SILLAMAE", "ore", "Northern", NR + ["SEA-USTLUGA-SILLAMAE"], S_NR),
    ("ORE-MC-SILLAMAE", "KZ-KARAGANDA", "EE-SILLAMAE", "ore", "Middle Corridor", MC + ["SEA-POTI-ROTTERDAM", "SEA-ROTTERDAM-SILLAMAE"], S_MC),
    ("ORE-CN-MOUNTAIN-PASS", "KZ-KARAGANDA", "US-MOUNTAIN-PASS", "ore", "China", CN + ["SEA-LIANYUNGANG-LONGBEACH", "ROAD-LONGBEACH-MTPASS"], S_CN),
    ("ORE-MC-MOUNTAIN-PASS", "KZ-KARAGANDA", "US-MOUNTAIN-PASS", "ore", "Middle Corridor", MC + ["SEA-POTI-LONGBEACH", "ROAD-LONGBEACH-MTPASS"], S_MC),
    ("ORE-CN-JP-REFINERY", "KZ-KARAGANDA", "JP-REFINERY", "ore", "China", CN + ["SEA-LIANYUNGANG-YOKOHAMA", "ROAD-YOKOHAMA-JPREFINERY"], S_CN),
    ("ORE-MC-JP-REFINERY", "KZ-KARAGANDA", "JP-REFINERY", "ore", "Middle Corridor", MC + ["SEA-POTI-YOKOHAMA", "ROAD-YOKOHAMA-JPREFINERY"], S_MC),
    ("ORE-SO-JP-REFINERY", "KZ-KARAGANDA", "JP-REFINERY", "ore", "Southern", SO + ["SEA-BANDARABBAS-YOKOHAMA", "ROAD-YOKOHAMA-JPREFINERY"], S_SO),
    ("ORE-CN-KR-SMELTER", "KZ-KARAGANDA", "KR-SMELTER", "ore", "China", CN + ["SEA-LIANYUNGANG-BUSAN", "ROAD-BUSAN-KRSMELTER"], S_CN),
    ("ORE-DOM-KZ-NEW-PLANT", "KZ-KARAGANDA", "KZ-NEW-PLANT", "ore", "Domestic", ["RAIL-KARAGANDA-KZPLANT"], "case file: Karaganda -> KZ-NEW-PLANT 200 km rail"),
    # (b) oxide lanes from each site to the markets it can plausibly serve: one route per element that the market
    #     takes (see OXIDE_ROUTES), id = element prefix + lane, e.g. NDPR-BAOTOU-YOKOHAMA
    ("BAOTOU-YOKOHAMA", "CN-BAOTOU", "JP-YOKOHAMA", "oxide", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-YOKOHAMA"], S_BT),
    ("BAOTOU-BUSAN", "CN-BAOTOU", "KR-BUSAN", "oxide", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-BUSAN"], S_BT),
    ("BAOTOU-LONGBEACH", "CN-BAOTOU", "US-LONG-BEACH", "oxide", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-LONGBEACH"], S_BT),
    ("BAOTOU-ROTTERDAM", "CN-BAOTOU", "NL-ROTTERDAM", "oxide", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-ROTTERDAM"], S_BT),
    ("KUANTAN-YOKOHAMA", "MY-KUANTAN", "JP-YOKOHAMA", "oxide", "Sea", ["SEA-KUANTAN-YOKOHAMA"], S_SEA),
    ("KUANTAN-BUSAN", "MY-KUANTAN", "KR-BUSAN", "oxide", "Sea", ["SEA-KUANTAN-BUSAN"], S_SEA),
    ("KUANTAN-LONGBEACH", "MY-KUANTAN", "US-LONG-BEACH", "oxide", "Sea", ["SEA-KUANTAN-LONGBEACH"], S_SEA),
    ("KUANTAN-ROTTERDAM", "MY-KUANTAN", "NL-ROTTERDAM", "oxide", "Sea", ["SEA-KUANTAN-ROTTERDAM"], S_SEA),
    ("SILLAMAE-ROTTERDAM", "EE-SILLAMAE", "NL-ROTTERDAM", "oxide", "Sea", ["SEA-SILLAMAE-ROTTERDAM"], "case file: Rotterdam <-> Sillamae by sea 2,000 km"),
    ("SILLAMAE-LONGBEACH", "EE-SILLAMAE", "US-LONG-BEACH", "oxide", "Sea", ["SEA-SILLAMAE-ROTTERDAM", "SEA-ROTTERDAM-LONGBEACH"], S_SEA),
    ("SILLAMAE-YOKOHAMA", "EE-SILLAMAE", "JP-YOKOHAMA", "oxide", "Sea", ["SEA-SILLAMAE-ROTTERDAM", "SEA-ROTTERDAM-YOKOHAMA"], S_SEA),
    ("MTPASS-LONGBEACH", "US-MOUNTAIN-PASS", "US-LONG-BEACH", "oxide", "Local", ["ROAD-MTPASS-LONGBEACH"], S_LOC),
    ("JPREFINERY-YOKOHAMA", "JP-REFINERY", "JP-YOKOHAMA", "oxide", "Local", ["ROAD-JPREFINERY-YOKOHAMA"], S_LOC),
    ("KRSMELTER-BUSAN", "KR-SMELTER", "KR-BUSAN", "oxide", "Local", ["ROAD-KRSMELTER-BUSAN"], S_LOC),
    ("KZPLANT-CN-BUSAN", "KZ-NEW-PLANT", "KR-BUSAN", "oxide", "China", P_CN + ["SEA-LIANYUNGANG-BUSAN"], S_CN),
    ("KZPLANT-CN-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "oxide", "China", P_CN + ["SEA-LIANYUNGANG-ROTTERDAM"], S_CN),
    ("KZPLANT-CN-YOKOHAMA", "KZ-NEW-PLANT", "JP-YOKOHAMA", "oxide", "China", P_CN + ["SEA-LIANYUNGANG-YOKOHAMA"], S_CN + "; CN-TRANSIT blocks it in the base case"),
    ("KZPLANT-CN-LONGBEACH", "KZ-NEW-PLANT", "US-LONG-BEACH", "oxide", "China", P_CN + ["SEA-LIANYUNGANG-LONGBEACH"], S_CN + "; CN-TRANSIT blocks it in the base case"),
    ("KZPLANT-MC-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "oxide", "Middle Corridor", P_MC + ["SEA-POTI-ROTTERDAM"], S_MC),
    ("KZPLANT-MC-YOKOHAMA", "KZ-NEW-PLANT", "JP-YOKOHAMA", "oxide", "Middle Corridor", P_MC + ["SEA-POTI-YOKOHAMA"], S_MC),
    ("KZPLANT-MC-LONGBEACH", "KZ-NEW-PLANT", "US-LONG-BEACH", "oxide", "Middle Corridor", P_MC + ["SEA-POTI-LONGBEACH"], S_MC),
    ("KZPLANT-NR-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "oxide", "Northern", P_NR + ["SEA-USTLUGA-ROTTERDAM"], S_NR + " -> Rotterdam 2,100 km sea"),
    ("KZPLANT-SO-YOKOHAMA", "KZ-NEW-PLANT", "JP-YOKOHAMA", "oxide", "Southern", P_SO + ["SEA-BANDARABBAS-YOKOHAMA"], S_SO),
    ("KZPLANT-SO-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "oxide", "Southern", P_SO + ["SEA-BANDARABBAS-ROTTERDAM"], S_SO),
    ("KZPLANT-SO-LONGBEACH", "KZ-NEW-PLANT", "US-LONG-BEACH", "oxide", "Southern", P_SO + ["SEA-BANDARABBAS-LONGBEACH"], S_SO + "; US-IRAN blocks it"),
]

# A route is used only if it is contracted for the year: forwarder and rail/sea slot programme, customs
# and sanctions compliance set-up, insurance.  The case gives no figure (assumption, order of magnitude:
# ~1% of a route's yearly freight bill at 100 kt of ore; a tenth of that for an oxide lane of ~1 kt).
# This is what makes route activation a here-and-now decision under the disruption scenarios.
ROUTE_FIXED = {
    "ore": (1000000, "fixed_cost 1,000,000 USD/yr: contracting an ore route for the year (assumption: forwarder, slot programme, compliance; ~1% of its freight bill at 100 kt)"),
    "oxide": (0, "fixed_cost 0: oxide lanes ride on liner services booked per shipment (assumption)"),
}
# An ore route cannot carry more in a month than the mine can send: its month's output and its whole stockpile.  As
# max_volume_t this never binds, but it bounds the route's activation row (ShipTotal <= U x Active) by 141,667 t
# instead of a year's (or six years') output: with Dy+Tb at 0.00024 t per t of ore the matrix coefficients would
# otherwise span more than 1e9 and the solver's tolerances would not be trusted.
ORE_ROUTE_MAX = round(500000 / 12) + 100000  # = SUPPLY's ore per month + STORE_ORE_KZ (asserted in build_tables)
ORE_ROUTE_MAX_NOTE = ("max_volume_t 141,667 t/month = the mine's 41,667 t/month + its 100,000 t stockpile, the most "
                      "it can send in a month: never binding; it keeps the activation big-M (and so the matrix range) "
                      "small now that Dy+Tb yields 0.00024 t per t of ore (assumption, numerics)")
# The one-year case's reo routes become one route per element over the same legs, for the elements the destination
# takes: NdPr and Dy+Tb everywhere, La+Ce only to Japan and the EU (case file), Y+other nowhere (no demand: it is
# stockpiled at the plant, see the commodities sheet).
LACE_MARKETS = ("JP-YOKOHAMA", "NL-ROTTERDAM")  # case file: La+Ce taken only in Japan and the EU


def oxide_commodities(market: str) -> list:
    """The element oxides a market takes, so the ones routed to it."""
    return ["ndpr", "dytb"] + (["lace"] if market in LACE_MARKETS else [])

# ----------------------------------------------------------------------------------------------
# disruptions: scenario, probability, target_type, target, months (None = all year), capacity_factor,
# granted, source.  Probabilities are assumptions (the case gives none); the base takes the rest (0.45).
# ----------------------------------------------------------------------------------------------
SUEZ = ["SEA-POTI-YOKOHAMA", "SEA-POTI-KUANTAN", "SEA-LIANYUNGANG-ROTTERDAM", "SEA-TIANJIN-ROTTERDAM",
        "SEA-KUANTAN-ROTTERDAM", "SEA-BANDARABBAS-ROTTERDAM", "SEA-ROTTERDAM-YOKOHAMA"]
P_NOTE = "probability: assumption (the case gives none); a planner's judgement to be replaced"
DISRUPTIONS = [
    ("cn-refuses-transit", 0.10, "leg", "RAIL-KHORGOS-LIANYUNGANG", None, 0, None,
     "case file: Dec 2025 China refused to let Kazakh rare earths transit; here China refuses all transit to the sea (the Khorgos-Lianyungang line) for the year; ore to Baotou is unaffected"),
    ("cn-revokes-export-licences", 0.10, "licence", "CN-61-EXPORT", [1, 2, 3, 4, 5, 6], None, "no",
     "case file: MOFCOM No. 61/62 export licences; here revoked for 6 months (January-June)"),
    ("cn-revokes-export-licences", None, "licence", "CN-61-CONTENT", [1, 2, 3, 4, 5, 6], None, "no",
     "case file: MOFCOM No. 61/62 content licences; revoked with the export licences"),
    ("severe-caspian-winter", 0.15, "leg", "FERRY-AKTAU-BAKU", [12, 1, 2], 0, None,
     "case file: winter closures on the Caspian; here the Aktau-Baku ferry is closed December-February"),
    ("northern-route-sanctioned", 0.10, "corridor", "Northern", None, 0, None,
     "case file: the Northern route through Russia is exposed to sanctions; here closed all year"),
    ("red-sea-suez-closed", 0.05, "leg", SUEZ, [1, 2, 3], 0, None,
     "assumption: Red Sea / Suez attacks close the legs that pass Suez for a quarter (January-March)"),
    ("kuantan-outage", 0.05, "site", "MY-KUANTAN", [6, 7, 8], 0, None,
     "assumption: a 3-month outage at Lynas Kuantan (June-August), e.g. a licence or environmental stop"),
]

# ----------------------------------------------------------------------------------------------
# seasonality (target_type leg): leg, months, capacity_factor, source
# ----------------------------------------------------------------------------------------------
SEASONALITY = [
    ("FERRY-AKTAU-BAKU", [11, 12], 0.5, "case file: Caspian ferry 0.5 Nov-Dec (assumption, Kuryk closed ~half of Nov-Dec)"),
    ("FERRY-AKTAU-BAKU", [1, 2], 0.6, "case file: Caspian ferry 0.6 Jan-Feb (assumption)"),
    ("FERRY-AKTAU-BAKU", [3], 0.8, "case file: Caspian ferry 0.8 Mar (assumption)"),
    ("SEA-USTLUGA-ROTTERDAM", [1, 2, 3], 0.8, "case file: Baltic (St Petersburg / Ust-Luga) 0.8 Jan-Mar, ice (assumption)"),
    ("SEA-USTLUGA-SILLAMAE", [1, 2, 3], 0.8, "case file: Baltic (St Petersburg / Ust-Luga) 0.8 Jan-Mar, ice (assumption)"),
    ("BORDER-ALTYNKOL-KHORGOS", [10, 11, 12], 0.9, "case file: Khorgos 0.9 Oct-Dec, peak congestion (assumption)"),
]

# KZ-NEW-PLANT is planned "by 2028" (case file).  The periods stand for a steady-state year, so the plant
# is a candidate the model may open (fixed cost = annualised capex): the min-cost plan does not open it,
# the max-security plan (disruptions sheet) does.  A planning study can close it with a seasonality row.

# ----------------------------------------------------------------------------------------------
# demand: market, end_use, t/yr, shortfall penalty USD/t, source
# ----------------------------------------------------------------------------------------------
PRICE = 60000  # case file (one REO): ~60,000 USD/t REO (assumption); the elements have their own prices (ELEMENTS)
PENALTY = {"civil": 200000, "defense": 1000000}  # USD/t of REO at 60,000 USD/t (assumption)
PENALTY_NOTE = {
    "civil": "~3x the 60,000 USD/t REO price, the cost of a missed delivery",
    "defense": "defense supply must not fail: 1,000,000 USD/t of REO (the contract default)",
}


def penalty(commodity: str, end_use: str) -> int:
    """Shortfall penalty per t of an element: the one-year REO penalty scaled by the element's price (the case file
    gives none per element: assumption), to the dollar."""
    return int(round(PENALTY[end_use] * PRICES[commodity] / PRICE))


def penalty_note(commodity: str, end_use: str) -> str:
    """The demand row's note on its penalty."""
    return (f"penalty {penalty(commodity, end_use):,} USD/t = {PENALTY[end_use]:,} x {PRICES[commodity]:,} / "
            f"{PRICE:,} (assumption: the case file gives no penalty per element; the one-year REO penalty, "
            f"{PENALTY_NOTE[end_use]}, in proportion to the element's price)")


DYTB_OF_NDPR = 0.03  # case file: Dy+Tb demand at 3% of each market's NdPr demand (assumption)
LACE_TAKEN = 0.30  # case file: La+Ce taken only in Japan and the EU, up to 30% of what is made (assumption)
DEMAND = [
    ("JP-YOKOHAMA", "civil", 8000, "case file: Japan JP-YOKOHAMA 8,000 t/yr civil (assumption)"),
    ("JP-YOKOHAMA", "defense", 500, "case file: Japan JP-YOKOHAMA 500 t/yr defense (assumption)"),
    ("KR-BUSAN", "civil", 2000, "case file: Korea KR-BUSAN 2,000 t/yr civil (assumption)"),
    ("US-LONG-BEACH", "civil", 5000, "case file: US US-LONG-BEACH 5,000 t/yr civil (assumption)"),
    ("US-LONG-BEACH", "defense", 1000, "case file: US US-LONG-BEACH 1,000 t/yr defense (assumption)"),
    ("NL-ROTTERDAM", "civil", 4000, "case file: EU NL-ROTTERDAM 4,000 t/yr civil (assumption)"),
]

# ----------------------------------------------------------------------------------------------
# licences (contract columns) and policies (extra column `active`: no = switched off)
# ----------------------------------------------------------------------------------------------
OXIDES = ",".join(c for c, *_ in ELEMENTS)  # the case file's `reo` in the licence rules: every element oxide
OXIDES_NOTE = "the case file's reo: every element oxide (ndpr, lace, dytb, yoth); HCl is no rare earth"
MIL_NOTE = ("commodity: the element oxides (the products defense takes), as in the CN-61 rows; no ore, concentrate "
            "or HCl leaves China or is shipped with Chinese technology, so * would gate nothing more, but it would "
            "earmark concentrate for defense at the concentrator and every oxide made from it with it")
LIC_COLS = ["licence", "authority", "applies_to", "country", "commodity", "destination_country", "end_use",
            "rule", "granted", "application_cost", "validity_periods", "lead_periods", "quota_t", "source", "note"]
S61 = "case file: MOFCOM No. 61/62 (in force 1 Dec 2025); licence valid 6 months; lead 2 periods, application cost 50,000 (assumption)"
LICENCES = [
    ("CN-61-EXPORT", "CN-MOFCOM", "export", "CN", OXIDES, "*", "*", "required", "yes", 50000, 6, 2, None, S61 + "; export of rare-earth oxides from CN", OXIDES_NOTE),
    ("CN-61-CONTENT", "CN-MOFCOM", "controlled_content", "CN", OXIDES, "*", "*", "required", "yes", 50000, 6, 2, None, S61 + "; products made with Chinese separation technology", "tech_origin CN (CN-BAOTOU, JP-REFINERY); " + OXIDES_NOTE),
    ("CN-MILITARY-EXPORT", "CN-MOFCOM", "export", "CN", OXIDES, "*", "defense", "prohibited", None, None, None, None, None, "case file: CN-MILITARY, military end uses refused in principle", "the case's CN-MILITARY rule, export half (one applies_to per row); " + MIL_NOTE),
    ("CN-MILITARY-CONTENT", "CN-MOFCOM", "controlled_content", "CN", OXIDES, "*", "defense", "prohibited", None, None, None, None, None, "case file: CN-MILITARY, military end uses refused in principle", "the case's CN-MILITARY rule, controlled-content half; " + MIL_NOTE),
    ("CN-TRANSIT", "CN-MOFCOM", "transit", "CN", "ore," + OXIDES, "JP,US", "*", "required", "no", 50000, 6, 2, None, "case file: Dec 2025 China refused transit of Kazakh rare earths to Japan/US; terms as CN-61 (assumption)", "granted = no in the base case; flip to yes for the other world; " + OXIDES_NOTE),
    ("US-IRAN", "US-OFAC", "transit", "IR", "*", "US", "*", "prohibited", None, None, None, None, None, "assumption: case file, US sanctions on Iran bar INSTC flows bound for the US", "modelled as a prohibited licence row, as the case says"),
]
POL_COLS = ["policy", "market", "commodity", "measure", "value", "max_share", "min_share", "max_count", "active", "source", "note"]
S_JPUS = "case file: JP-US-NO-CN, the de-risked world the US-Japan agreements aim at"
S_EU = "case file: EU-DIVERSIFY, no single corridor above 0.6 of NL-ROTTERDAM tonnes (assumption)"
OFF = "off in the base case (active = no); planners switch the group on by its id prefix"
POLICIES = [
    ("JP-US-NO-CN-JP-PROC", "JP-YOKOHAMA", "*", "processing_country", "CN", 0, None, None, "no", S_JPUS, OFF),
    ("JP-US-NO-CN-JP-TRANSIT", "JP-YOKOHAMA", "*", "transit_country", "CN", 0, None, None, "no", S_JPUS, OFF),
    ("JP-US-NO-CN-US-PROC", "US-LONG-BEACH", "*", "processing_country", "CN", 0, None, None, "no", S_JPUS, OFF),
    ("JP-US-NO-CN-US-TRANSIT", "US-LONG-BEACH", "*", "transit_country", "CN", 0, None, None, "no", S_JPUS, OFF),
] + [
    ("EU-DIVERSIFY-" + c.upper().replace(" ", "-"), "NL-ROTTERDAM", "*", "corridor", c, 0.6, None, None, "no", S_EU, OFF)
    for c in ["China", "Middle Corridor", "Northern", "Southern", "Sea"]
]

LICENCE_SCOPE = {"CN-TRANSIT": "chain"}  # case file: CN-TRANSIT with scope = chain; the other rows: route (v1)

# ----------------------------------------------------------------------------------------------
# charges (contract v2): the case file's "Charges"
# ----------------------------------------------------------------------------------------------
CHARGE_COLS = ["charge", "kind", "target_type", "target", "commodity", "processing_country", "period", "per_t",
               "budget", "payer", "source", "note"]
SUBSIDY_PER_T, SUBSIDY_PER_YEAR = 60, 120000000  # case file: 60 USD/t (assumption), budget 120 M USD a year (seeds)
US_TARIFF = 0.54  # case file: 54% of the oxide's price (the seeds' total US tariff on Chinese goods in 2025)
CARBON_PER_T = 500  # case file: G7 carbon tax on processing in CN, 500 USD/t of input (assumption), off by default
S_SUB = ("case file: JP-MC-SUBSIDY, subsidy on corridor Middle Corridor, 60 USD/t (assumption), budget 120 M USD a "
         "year (the seeds' figure: Japan may have to pay about USD 120 million a year to keep the western route "
         "alive) over the horizon, payer JP-GOV")
S_TAR = ("case file: US-TARIFF-CN, tariff on oxide delivered to US-LONG-BEACH that was processed in CN: 54% of its "
         "price (the seeds' total US tariff on Chinese goods in 2025), payer US importers")
S_G7 = ("case file: G7-CARBON-CN, tax on tonnes processed in CN, 500 USD/t of input (assumption for the G7 carbon-tax "
        "idea in the seeds), off by default")


def charges(years: int) -> list:
    """The charges rows: Japan's Middle Corridor subsidy (budget 120 M USD x ``years``), the US tariff on
    CN-processed oxide (one row per element the US takes: 54% of each price) and the G7 carbon tax, off (per_t 0;
    the study scenario g7-carbon-tax sets it to 500)."""
    out = [dict(charge="JP-MC-SUBSIDY", kind="subsidy", target_type="corridor", target="Middle Corridor",
                commodity="*", processing_country="*", period="*", per_t=SUBSIDY_PER_T,
                budget=SUBSIDY_PER_YEAR * years, payer="JP-GOV", source=S_SUB,
                note=f"budget = 120,000,000 x {years} year(s) on the periods sheet (contract: budgets are nominal, over "
                     "the horizon); counts every tonne dispatched on a Middle Corridor route (ore and oxide), in its "
                     "dispatch period")]
    for c in ("ndpr", "dytb"):  # the elements the US market takes (oxide_commodities)
        out.append(dict(charge=f"US-TARIFF-CN-{c.upper()}", kind="tariff", target_type="market",
                        target="US-LONG-BEACH", commodity=c, processing_country="CN", period="*",
                        per_t=round(US_TARIFF * PRICES[c]), budget=None, payer="US-IMPORTERS", source=S_TAR,
                        note=f"per_t = 0.54 x {PRICES[c]:,} USD/t ({c} price) = {round(US_TARIFF * PRICES[c]):,}; one "
                             "row per element the US takes (a charge has one per_t); payer label US-IMPORTERS "
                             "(assumption: the case file says US importers)"))
    out.append(dict(charge="G7-CARBON-CN", kind="tax", target_type="site", target="*", commodity="*",
                    processing_country="CN", period="*", per_t=0, budget=None, payer="CN-PROCESSORS", source=S_G7,
                    note=f"off by default: per_t 0 here, the study scenario g7-carbon-tax sets it to {CARBON_PER_T} "
                         "USD/t of input processed at a site in CN (CN-BAOTOU); payer label CN-PROCESSORS "
                         "(assumption: the case file names none; the tax falls on processing in China)"))
    return out


# ----------------------------------------------------------------------------------------------
# scenarios: the planning study of the case's questions (corridor study); each row edits a copy
# ----------------------------------------------------------------------------------------------
SC_COLS = ["scenario", "sheet", "key", "column", "value", "description", "compare_per_year", "source", "note"]
S_SUBSIDY = ("case file: Japan may have to pay about USD 120 million a year in transport subsidies to keep the "
             "western route alive")
SCENARIOS = [
    ("cn-transit-granted", "licences", "CN-TRANSIT", "granted", "yes",
     "China grants transit of Kazakh ore and oxide bound for Japan and the US", None,
     "case file: CN-TRANSIT, planners flip granted to yes to see the other world", ""),
    ("jp-us-no-cn", "policies", "JP-US-NO-CN*", "active", "yes",
     "Price of independence: no Chinese processing and no transit through China for Japan and the US", 120000000,
     S_SUBSIDY, "the four JP-US-NO-CN policy rows switched on"),
    ("caspian-ferry-x2", "legs", "FERRY-AKTAU-BAKU", "capacity_t", "x2",
     "Japan's Aktau investment doubles the Caspian ferry capacity", None,
     "issue 6: Caspian ferry capacity x2 (Japan's Aktau investment)", ""),
    ("kz-plant-closed", "sites", "KZ-NEW-PLANT", "capacity_t", 0,
     "KZ-NEW-PLANT not available (2027, before the plant planned by 2028): the value of the plant option, whose "
     "capex (150 M USD/yr annualised, the sites row's fixed_cost) every other run counts when it opens the plant",
     None, "case file: the government plans local processing by 2028",
     "capacity 0: the candidate can process nothing, so no plan opens it"),
    ("demand-plus-30", "demand", "*", "quantity_t", "x1.3", "Demand 30% higher in every market and end use", None,
     "issue 6: demand +30%", ""),
    ("northern-freight-half", "legs", "country=RU", "cost_per_t", "x0.5",
     "Sanctions lifted: freight on the Russian legs of the Northern route halves", None,
     "case file: Northern freight more than doubled since 2022 and is exposed to sanctions", ""),
    ("independence-without-kz-plant", "include", None, None, "jp-us-no-cn",
     "JP-US-NO-CN without KZ-NEW-PLANT: set against jp-us-no-cn (where the plant is a candidate with its capex), "
     "what Kazakhstan's own separation is worth to independence", None, "issue 6: the seeds' questions combined",
     "includes two scenarios"),
    ("independence-without-kz-plant", "include", None, None, "kz-plant-closed", None, None,
     "issue 6: the seeds' questions combined", ""),
    ("g7-carbon-tax", "charges", "G7-CARBON-CN", "per_t", CARBON_PER_T,
     "G7 carbon tax on processing in China: 500 USD/t of input at CN-BAOTOU", None, S_G7,
     "the charges row is off in the base (per_t 0)"),
]

STORE_ORE_KZ = 100000  # t (assumption)
HOLD_ORE, HOLD_REO = 1, 50  # USD/t/period (assumption)


# ==============================================================================================
def per_month(annual: float) -> int:
    """A yearly figure as a whole number per month."""
    return int(round(annual / 12.0))


def leg_figures(row: tuple) -> dict:
    """One legs-table row (leg, from, to, class, country, km, handling code, dwell, capacity, source) as the
    legs sheet's record: mode, cost per t from the class's rate per t-km, handling, transit days, sources."""
    leg, a, b, cls, country, km, hcode, dwell, cap, src = row
    mode, rate, speed, rsrc = RATES[cls]
    handling, hsrc = HANDLING[hcode]
    cost = round(km * rate, 2)
    days = math.ceil(round(dwell + km / speed, 6))
    source = "; ".join(s for s in (src, rsrc, hsrc) if s)
    note = f"{km} km x {rate} = {cost} USD/t; {days} d = ceil({dwell} d dwell + {km} km / {speed} km/d) (dwell: assumption)"
    return dict(leg=leg, from_node=a, to_node=b, mode=mode, country=country, distance_km=km, cost_per_t=cost,
                handling_cost_per_t=handling, transit_days=days, capacity_t=cap, source=source, note=note)


def _hcl_supply(site: str, cap_month: int, tech: str) -> list:
    """The HCl supply row at a separation site's node: 200 USD/t, capacity twice the most its line can use."""
    rate = hcl_per_t_oxide(tech)
    most = cap_month * YIELD * rate
    cap = int(math.ceil(HCL_AMPLE * most / 100.0) * 100)
    return [site, HCL, "*", cap, HCL_PRICE, HCL_SRC + "; 200 USD/t delivered, as a supply row at each site node "
            "(case file, assumption)",
            f"capacity_t = {HCL_AMPLE} x {cap_month:,} t ore/month x 0.04 t oxide x {rate} t HCl = {cap:,} t/month "
            f"rounded up to 100 t (ample: assumption; tech_origin {tech})"]


SP_COLS = ["site", "input_commodity", "commodity", "yield", "source", "note"]


def site_products(sites: list, reo_per_t: dict) -> list:
    """The site_products rows of every separation process (a sites row whose output is NdPr): La+Ce, Dy+Tb and
    Y+other as co-products and HCl as a reagent, per t of input = the element's share (HCl: its t per t of oxide)
    x the input's REO content ``reo_per_t[input_commodity]``."""
    out = []
    for r in sites:
        if r["output_commodity"] != MAIN:
            continue
        inp, reo = r["input_commodity"], reo_per_t[r["input_commodity"]]
        ys = element_yields(reo)
        what = f"{reo} t REO per t of {inp}"
        for c, y in ys.items():
            if c == MAIN:
                continue
            out.append(dict(site=r["site"], input_commodity=inp, commodity=c, **{"yield": y},
                            source=ELEM_SRC + f": {c} {SHARE[c]} of REO; {what} (case file, assumption)",
                            note=f"yield = {SHARE[c]} x {reo} = {y} t per t of {inp}: made jointly with the "
                                 f"{ys[MAIN]} t NdPr of the sites row"))
        tech = r["tech_origin"] or "?"
        rate = hcl_per_t_oxide(tech)
        y = -round(rate * reo, 9)
        out.append(dict(site=r["site"], input_commodity=inp, commodity=HCL, **{"yield": y},
                        source=HCL_SRC + f"; {what} (case file, assumption)",
                        note=f"yield = -{rate} t HCl per t of oxide x {reo} t oxide per t of {inp} = {y} (tech_origin "
                             f"{tech}: {'Chinese technology' if tech == 'CN' else 'not Chinese technology'}); "
                             "supplied at the site node (supply sheet)"))
    return out


def lace_made_per_year() -> float:
    """Tonnes of La+Ce a year from all the ore the mine can supply (500,000 t x 0.04 x 0.68)."""
    return sum(a for n, c, _p, a, *_ in SUPPLY if c == "ore") * element_yields(YIELD)["lace"]


ORE_REO_PER_YEAR = 500000 * YIELD  # t REO a year in all the ore the mine can supply (20,000 t)
CASE_REO_DEMAND = sum(q for _m, _e, q, _s in DEMAND)  # the case file's REO offtake, 20,500 t/yr
ONE_YEAR_FILL = 0.95  # assumption: the one-year case's markets ask for 95% of the REO the mine's ore makes
DEMAND_SCALE = ONE_YEAR_FILL * ORE_REO_PER_YEAR / CASE_REO_DEMAND
SCALE_NOTE = (f"the one-year case's demand is scaled so the undisrupted year can meet it: the case file's "
              f"{CASE_REO_DEMAND:,} t REO a year against the {ORE_REO_PER_YEAR:,.0f} t the mine's ore makes, so each "
              f"market's REO figure x {ONE_YEAR_FILL} x {ORE_REO_PER_YEAR:,.0f} / {CASE_REO_DEMAND:,} = x "
              f"{DEMAND_SCALE:.6f} (assumption: issue 17, answers about economics, not about tonnes no plan can make), "
              f"read as REO content: NdPr is its {SHARE['ndpr']} share")
MIN_FILL = {"defense": 0.9}  # case file: defense demand min_fill 0.9 (assumption; the F-35 output fell 18%)
MIN_FILL_SRC = ("case file: defense demand min_fill 0.9 (assumption; the Pentagon's F-35 output fell 18% for lack of "
                "rare earths, seed)")


def demand_rows(scaled: bool = True) -> list:
    """The demand rows per element, t/yr.  ``scaled`` (the one-year case): each REO row of the case file scaled by
    DEMAND_SCALE and read as REO content, NdPr its 22%; not scaled (the strategic case, as the case file says
    there): each REO row read as NdPr.  Dy+Tb at 3% of the NdPr, and La+Ce in Japan and the EU: 30% of what the
    mine's ore makes, split in proportion to the two markets' oxide demand."""
    out = []
    for mkt, eu, q0, src in DEMAND:
        if scaled:
            q = round(q0 * DEMAND_SCALE * SHARE["ndpr"], 3)
            nsrc, why = src + "; " + SCALE_NOTE, f"{q0:,} t REO x {DEMAND_SCALE:.6f} x {SHARE['ndpr']} NdPr share (see source)"
        else:
            q = q0
            nsrc = src + "; read as NdPr demand (case file: the strategic case's elements, assumption)"
            why = "the case file's REO demand read as NdPr (the strategic case)"
        out.append(dict(market=mkt, end_use=eu, commodity="ndpr", per_year=q, source=nsrc, why=why))
        out.append(dict(market=mkt, end_use=eu, commodity="dytb", per_year=round(q * DYTB_OF_NDPR, 3),
                        source=src + "; Dy+Tb at 3% of the market's NdPr demand (case file: elements, assumption)",
                        why=f"{DYTB_OF_NDPR} x {q:,} t NdPr: magnet makers need both (case file)"))
    made = lace_made_per_year()
    size = {m: sum(q for mm, _eu, q, _s in DEMAND if mm == m) for m in LACE_MARKETS}
    for m in LACE_MARKETS:
        q = round(LACE_TAKEN * made * size[m] / sum(size.values()), 3)
        out.append(dict(market=m, end_use="civil", commodity="lace", per_year=q,
                        source="case file: La+Ce taken only in Japan and the EU, up to 30% of what is made "
                               "(assumption)",
                        why=(f"{LACE_TAKEN} x {made:,.0f} t La+Ce made a year (500,000 t ore x 0.04 x 0.68) x "
                             f"{size[m]:,} / {sum(size.values()):,} (the market's share of the two markets' oxide "
                             "demand: split assumption)")))
    order = {"ndpr": 0, "dytb": 1, "lace": 2}
    return sorted(out, key=lambda d: order[d["commodity"]])


def build_tables(scaled: bool = True) -> dict:
    """Return {sheet: (columns, rows)} with rows as lists in column order (``scaled``: the one-year case's
    demand, see `demand_rows`)."""
    T = {}
    T["settings"] = (["key", "value", "source", "note"], [list(r) for r in SETTINGS])
    T["periods"] = (["period", "month", "days", "source", "note"],
                    [[f"{YEAR}-{m:02d}", m, d, "calendar: real month lengths of 2027", ""]
                     for m, d in enumerate(MONTH_DAYS, start=1)])
    T["commodities"] = (["commodity", "unit", "description", "disposal_cost_per_t", "source", "note"],
                        [list(r) for r in COMMODITIES])
    T["nodes"] = (["node", "kind", "country", "lat", "lon", "description", "source", "note"], [list(r) for r in NODES])
    T["supply"] = (["node", "commodity", "period", "capacity_t", "cost_per_t", "source", "note"],
                   [[n, c, p, per_month(a), cost, s, note] for n, c, p, a, cost, s, note in SUPPLY]
                   + [_hcl_supply(s, per_month(cap), tech) for s, cap, _c, _st, _fc, tech, _src in SITES])
    T["sites"] = (["site", "input_commodity", "output_commodity", "yield", "capacity_t", "cost_per_t", "status",
                   "fixed_cost", "min_throughput_t", "available_from", "tech_origin", "source", "note"],
                  [[s, "ore", MAIN, element_yields(YIELD)[MAIN], per_month(cap), cost, st, fc, 0,
                    f"{YEAR}-01" if st == "candidate" else None, tech, src + ORE_YIELD_SRC,
                    f"capacity_t = {cap:,} t ore/yr / 12" + ("; fixed cost paid once per horizon (= one year)" if st == "candidate" else "")
                    + "; co-products and HCl: site_products sheet"]
                   for s, cap, cost, st, fc, tech, src in SITES])
    T["site_products"] = _table(SP_COLS, site_products(_records(T, "sites"), {"ore": YIELD}))
    legs = [leg_figures(r) for r in LEGS]
    lcols = list(legs[0].keys())
    T["legs"] = (lcols, [[d[c] for c in lcols] for d in legs])
    leg_by_id = {d["leg"]: d for d in legs}
    rrows, rlrows = [], []
    assert ORE_ROUTE_MAX == sum(per_month(a) for _n, c, _p, a, *_ in SUPPLY if c == "ore") + STORE_ORE_KZ
    for lane, o, dst, com, corr, lg, src in ROUTES:
        path = [leg_by_id[lg[0]]["from_node"]] + [leg_by_id[x]["to_node"] for x in lg]
        fixed, fnote = ROUTE_FIXED[com]
        if com == "oxide":
            todo = [(c.upper() + "-" + lane, c, src + f"; {c} over the one-year case's reo lane REO-{lane} (the "
                     "elements: one route per element the market takes)") for c in oxide_commodities(dst)]
        else:
            todo = [(lane, com, src)]
        for rid, c, rsrc in todo:
            vmax, vnote = (ORE_ROUTE_MAX, ORE_ROUTE_MAX_NOTE) if c == "ore" else (None, "")
            rrows.append([rid, o, dst, c, corr, fixed, None, vmax, " -> ".join(path), rsrc + "; " + fnote, vnote])
            rlrows += [[rid, i, x, "derived: routes sheet path", ""] for i, x in enumerate(lg, start=1)]
    T["routes"] = (["route", "origin", "destination", "commodity", "corridor", "fixed_cost", "min_volume_t",
                    "max_volume_t", "description", "source", "note"], rrows)
    T["route_legs"] = (["route", "seq", "leg", "source", "note"], rlrows)
    T["seasonality"] = (["target_type", "target", "month", "capacity_factor", "cost_factor", "source", "note"],
                        [["leg", leg, m, f, 1, src, ""] for leg, months, f, src in SEASONALITY for m in months])
    srows = [["KZ-KARAGANDA", "ore", STORE_ORE_KZ, HOLD_ORE, 0,
              "assumption: mine stockpile 100,000 t (~2.4 months of output)",
              "lets the mine run flat while corridors close seasonally; holding 1 USD/t/period (yard cost)"]]
    srows += [[s, "ore", cap // 4, HOLD_ORE, 0, "assumption: ore yard of 3 months of input capacity",
               "buffers seasonal corridor closures; holding 1 USD/t/period (yard cost)"] for s, cap, *_ in SITES]
    demand = demand_rows(scaled)
    mkt_total = {}
    for d in demand:
        key = (d["market"], d["commodity"])
        mkt_total[key] = mkt_total.get(key, 0) + d["per_year"]
    for (m, c), q in mkt_total.items():
        hold = round(HOLD_REO * PRICES[c] / PRICE, 2)
        srows.append([m, c, round(q / 2, 1), hold, 0,
                      f"assumption: {c} warehouse of 6 months of the market's {c} demand",
                      f"capacity_t = {q:,.1f} t/yr / 2; holding {hold} USD/t/period = the one-year case's 50 USD/t on "
                      f"60,000 USD/t REO, in proportion to the {PRICES[c]:,} USD/t price (assumption)"])
    T["storage"] = (["node", "commodity", "capacity_t", "holding_cost_per_t", "initial_t", "source", "note"], srows)
    T["demand"] = (["market", "commodity", "end_use", "period", "quantity_t", "shortfall_penalty_per_t", "price_per_t",
                    "min_fill", "source", "note"],
                   [[d["market"], d["commodity"], d["end_use"], "*", d["per_year"] / 12.0,
                     penalty(d["commodity"], d["end_use"]), PRICES[d["commodity"]], MIN_FILL.get(d["end_use"]),
                     _joined(d["source"] + f"; price {PRICES[d['commodity']]:,} USD/t ({PRICE_SRC})",
                             MIN_FILL_SRC if d["end_use"] in MIN_FILL else ""),
                     f"quantity_t = {d['per_year']:,} t/yr / 12; {d['why']}; "
                     + penalty_note(d["commodity"], d["end_use"])] for d in demand])
    T["licences"] = (LIC_COLS + ["scope"], [list(r) + [LICENCE_SCOPE.get(r[0], "route")] for r in LICENCES])
    T["charges"] = _table(CHARGE_COLS, charges(years=1))
    T["policies"] = (POL_COLS, [list(r) for r in POLICIES])
    drows = []
    for name, prob, tt, targets, months, factor, granted, src in DISRUPTIONS:
        first = True
        for target in (targets if isinstance(targets, list) else [targets]):
            for m in (months or [None]):
                drows.append([name, prob if first else None, tt, target, m, factor, granted, src,
                              P_NOTE if first and prob is not None else ""])
                first = False
    T["disruptions"] = (["scenario", "probability", "target_type", "target", "month", "capacity_factor",
                         "granted", "source", "note"], drows)
    T["scenarios"] = (SC_COLS, [list(r) for r in SCENARIOS])
    return T


# ==============================================================================================
# The strategic case (contract v2): 2027-2032, what to build, when and who pays.  Built from the one-year
# case's tables by `build_strategic_tables`; the figures below are the case file's "The strategic case".
# ==============================================================================================
S_STRAT = "case file: the strategic case (contract v2)"
FIRST_YEAR, LAST_YEAR = 2027, 2032
DISCOUNT_RATE = 0.08  # case file: discount_rate 0.08 (assumption)
GROWTH = 0.05  # case file: demand grows 5% a year from the one-year case's figures (assumption)
STRAT_GAP = 1e-4  # contract default; see the settings note
CONC = "concentrate"
CONCENTRATOR = "KZ-CONCENTRATOR"
PLANT = "KZ-NEW-PLANT"
CONC_YIELD = 0.36  # case file: 0.36 t REO per t of concentrate (assumption: 40% TREO, 90% recovery)
CONCENTRATION = 9  # t ore per t concentrate at equal oxide content: CONC_YIELD / YIELD
assert abs(CONC_YIELD / YIELD - CONCENTRATION) < 1e-9
# case file: KZ-CONCENTRATOR ore -> concentrate, "yield 0.1 ... ships a tenth of the tonnes"; with the case file's
# 0.36 t REO per t of concentrate that would keep only 0.036 t of the 0.04 t REO a tonne of ore makes (the 90%
# recovery counted twice).  1/9 counts it once: 0.04 t REO per t of ore either way, a ninth of the tonnes shipped
# (assumption, said in the row's note).
CONCENTRATOR_YIELD = 1 / 9
CONCENTRATOR_COST = 15  # USD per t ore (assumption)
CONCENTRATOR_KM = 20  # mine -> concentrator (assumption)
HOLD_CONC = 5  # USD/t/period (assumption)
STORE_CONC_KZ = round(STORE_ORE_KZ * CONCENTRATOR_YIELD)  # t (assumption: the mine stockpile's tonnes / 10)
AKTAU_RAIL = "RAIL-KARAGANDA-AKTAU"
AKTAU_BASE = 25000  # t/month: this case's share of the Karaganda-Aktau line and Aktau port (assumption)
FERRY = "FERRY-AKTAU-BAKU"
ORE_ROUTE_FIXED_PER_YEAR = ROUTE_FIXED["ore"][0]  # 1,000,000 USD a year of contracting (one-year case)

STRATEGIC_NODES = [  # node, kind, country, lat, lon, description, source, note
    (CONCENTRATOR, "site", "KZ", 49.95, 73.30, "concentrator at the mine (US-KZ joint venture): ore -> concentrate",
     S_STRAT + ": KZ-CONCENTRATOR, new site at the mine: ore -> concentrate, yield 0.1",
     "location assumption: ~20 km from the mine; exists only through its investment KZ-CONCENTRATOR"),
]
CONCENTRATOR_LEGS = [  # legs-table rows (see LEGS): the 20 km hop between the mine railhead and the concentrator
    ("RAIL-KARAGANDA-KZCONC", "KZ-KARAGANDA", CONCENTRATOR, "KZ-rail", "KZ", CONCENTRATOR_KM, "-", 1, None,
     "assumption: concentrator ~20 km from the mine (case file: a new site at the mine); ore to the concentrator"),
    ("RAIL-KZCONC-KARAGANDA", CONCENTRATOR, "KZ-KARAGANDA", "KZ-rail", "KZ", CONCENTRATOR_KM, "-", 0, None,
     "assumption: concentrator ~20 km from the mine; concentrate back to the mine railhead, where every corridor "
     "out of the mine starts (dwell 0: loading and export papers are the 2 d dwell of the mainline leg that follows)"),
]
PAYER_NOTE = {
    "US-KZ-JV": "payer US-KZ-JV: assumption (the case file: the US-KZ joint venture's USD 110 M)",
    "KZ-GOV": "payer KZ-GOV: assumption (the case file: Kazakhstan plans local processing by 2028)",
    "JP-GOV": "payer JP-GOV: assumption (the case file: payer JP; JP-GOV as for the case's Japanese subsidy, so the "
              "report puts Japan's spending under one label)",
    "KZ-EXPORTERS": "payer KZ-EXPORTERS: assumption (the case file names none; the shippers charter the slots)",
}
INV_COLS = ["investment", "target_type", "target", "commodity", "input_commodity", "capacity_t", "max_units", "capex",
            "fixed_cost_per_year", "lead_periods", "earliest_period", "payer", "exclusive_group", "source", "note"]
S_PLANT = (S_STRAT + ": KZ-PLANT-S / -M / -L on KZ-NEW-PLANT, concentrate -> oxides, 5,000 / 10,000 / 20,000 t "
           "concentrate/yr, capex 400 / 700 / 1,200 M USD (assumption), lead 36 months (and a sensitivity with 60)")
INVESTMENTS = [  # investment, target_type, target, commodity, input_commodity, capacity per year (site) or month
    #              (leg), max_units, capex, fixed_cost_per_year, lead_periods, payer, exclusive_group, source, note
    ("KZ-CONCENTRATOR", "site", CONCENTRATOR, None, "ore", ("yr", 500000), 1, 110000000, 0, 18, "US-KZ-JV", None,
     S_STRAT + ": KZ-CONCENTRATOR, 500,000 t ore/yr, 110 M USD, 18 months: the US-KZ joint venture's USD 110 M for "
     "mine development and primary processing (seed); ships a tenth of the tonnes",
     "operating cost: the sites row's cost_per_t"),
    ("KZ-PLANT-S", "site", PLANT, None, CONC, ("yr", 5000), 1, 400000000, 0, 36, "KZ-GOV", "KZ-PLANT", S_PLANT,
     "exclusive_group KZ-PLANT: at most one size is built; the case's sensitivity: lead_periods 60"),
    ("KZ-PLANT-M", "site", PLANT, None, CONC, ("yr", 10000), 1, 700000000, 0, 36, "KZ-GOV", "KZ-PLANT", S_PLANT,
     "exclusive_group KZ-PLANT: at most one size is built; the case's sensitivity: lead_periods 60"),
    ("KZ-PLANT-L", "site", PLANT, None, CONC, ("yr", 20000), 1, 1200000000, 0, 36, "KZ-GOV", "KZ-PLANT", S_PLANT,
     "exclusive_group KZ-PLANT: at most one size is built; the case's sensitivity: lead_periods 60"),
    ("AKTAU-EXPANSION", "leg", AKTAU_RAIL, None, None, ("month", 10000), 1, 50000000, 0, 24, "JP-GOV", None,
     S_STRAT + ": AKTAU-EXPANSION, leg Karaganda-Aktau rail / Aktau port handling, +10,000 t/month, 50 M USD, payer "
     "JP (assumption), 24 months: Japan plans to invest in expanding Aktau port (seed)",
     f"adds to the leg's base {AKTAU_BASE:,} t/month (assumption, see the legs sheet); a complement of "
     "CASPIAN-FERRY-SHARE: the Middle Corridor carries more only with both"),
    ("CASPIAN-FERRY-SHARE", "leg", FERRY, None, None, ("month", 10000), 1, 0, 12000000, 6, "KZ-EXPORTERS", None,
     S_STRAT + ": CASPIAN-FERRY-SHARE, leg Aktau-Baku ferry, +10,000 t/month, fixed_cost_per_year 12 M USD (charter, "
     "assumption), 6 months",
     "capex 0: a charter, paid as fixed_cost_per_year; max_units 1: the case file gives one charter of +10,000 "
     "t/month (a planner may allow more); the ferry's seasonality factors also cut the chartered share"),
]


STRATEGIC_SCENARIOS = [  # the strategic case's planning study (corridor study): SC_COLS
    ("jp-us-no-cn", "policies", "JP-US-NO-CN*", "active", "yes",
     "Price of independence 2027-2032: no Chinese processing and no transit through China for Japan and the US "
     "(per year: the comparison's cost_by_year rows)", 120000000, S_SUBSIDY, "the four JP-US-NO-CN policy rows"),
    ("plant-lead-60", "investments", "KZ-PLANT*", "lead_periods", 60,
     "The Kazakh plant takes 60 months to build instead of 36", None,
     S_STRAT + ": lead 36 months, and a sensitivity with 60", "all three sizes"),
    ("g7-carbon-tax", "charges", "G7-CARBON-CN", "per_t", CARBON_PER_T,
     "G7 carbon tax on processing in China: 500 USD/t of input", None, S_G7, "the charges row is off (per_t 0)"),
]


def _records(tables: dict, sheet: str) -> list:
    """One sheet of ``build_tables`` as a list of {column: value}."""
    cols, rows = tables[sheet]
    return [dict(zip(cols, r)) for r in rows]


def _table(cols: list, records: list) -> tuple:
    """{column: value} records back into a (columns, rows) sheet; a column a record lacks is blank."""
    return cols, [[rec.get(c) for c in cols] for rec in records]


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _strategic_settings(one_year: dict) -> list:
    rows = []
    for key, value, source, note in one_year["settings"][1]:
        if key == "objective":
            note = _joined(note, "the one-year case's disruptions and scenarios sheets are left out of this case for "
                                 "now (written for a representative year; see the builder's docstring)")
        elif key == "horizon":
            value, source = "open", "contract v2: a horizon that spans more than one year is open"
            note = f"{FIRST_YEAR}-01 .. {LAST_YEAR}-12; stock at the end >= 0, arrivals after 2032-12 do not count"
        elif key == "mip_rel_gap":
            value, source = STRAT_GAP, "contract default 1e-4"
            note = ("the one-year case's 1e-6 is too strict for 72 periods with whole investment units and route "
                    "openings: proving the last 0.01% of six years of cost would spend the time limit")
        rows.append([key, value, source, note])
        if key == "horizon":
            rows.append(["discount_rate", DISCOUNT_RATE, S_STRAT + ": discount_rate 0.08 (assumption)",
                         "assumption: a cost of year y counts 1/1.08^(y-2027); of the order of a public-private "
                         "infrastructure hurdle rate"])
    return rows


def _strategic_periods() -> list:
    src = "calendar: real month lengths of 2027-2032 (2028 and 2032 are leap years)"
    return [[f"{y}-{m:02d}", y, m, calendar.monthrange(y, m)[1], src, ""]
            for y in range(FIRST_YEAR, LAST_YEAR + 1) for m in range(1, 13)]


def _strategic_sites(one_year: dict) -> list:
    """KZ-CONCENTRATOR (ore -> concentrate, capacity only through its investment); every plant that took ore
    concentrates it on site (ore -> concentrate) and separates concentrate in one line of the one-year case's
    oxide capacity, at the same cost per tonne of oxide by either feed; KZ-NEW-PLANT becomes a concentrate plant
    built only through investments (no ore row)."""
    blank = dict(fixed_cost=0, min_throughput_t=0, available_from=None)
    out = [dict(site=CONCENTRATOR, input_commodity="ore", output_commodity=CONC, **{"yield": CONCENTRATOR_YIELD},
                capacity_t=0, cost_per_t=CONCENTRATOR_COST, status="existing", tech_origin="KZ", **blank,
                source=S_STRAT + ": KZ-CONCENTRATOR ore -> concentrate, yield 0.1 (a tenth of the tonnes)",
                note="capacity_t 0, existing: exists only through its investment KZ-CONCENTRATOR (contract v2); yield "
                     "1/9 (assumption, not the case file's 0.1): with 0.36 t REO per t of concentrate, 0.1 would keep "
                     "0.036 t of the 0.04 t REO a tonne of ore makes direct, counting the 90% recovery twice; 1/9 keeps "
                     "0.04 either way and ships a ninth of the tonnes; cost "
                     "15 USD/t ore: assumption (crushing, grinding and flotation of a light-REE ore, order 10-20 "
                     "USD/t; the case file gives none); tech_origin KZ: beneficiation is no controlled technology")]
    conc_src = (S_STRAT + ": 0.36 t REO per t of concentrate (assumption: 40% TREO, 90% recovery) = 9 x the "
                f"0.04 per t of raw ore; yield {element_yields(CONC_YIELD)[MAIN]} t NdPr per t of concentrate = 0.36 x "
                f"the {SHARE[MAIN]} NdPr share of REO (case file: elements, assumption)")
    for r in _records(one_year, "sites"):
        ore_cap, ore_cost = r["capacity_t"], r["cost_per_t"]
        site_src = r["source"].removesuffix(ORE_YIELD_SRC)  # the site's own figures, without the ore's yield
        conc_cost = (ore_cost - CONCENTRATOR_COST) * CONCENTRATION
        cost_note = (f"cost_per_t = ({ore_cost} - {CONCENTRATOR_COST}) USD/t ore x 9 = {conc_cost} USD/t concentrate: "
                     f"with the {CONCENTRATOR_COST} USD/t of KZ-CONCENTRATOR, the same cost per t of "
                     "oxide (assumption)")
        if r["site"] == PLANT:  # the candidate of the one-year case: built through KZ-PLANT-S/-M/-L only
            out.append(dict(r, input_commodity=CONC, **{"yield": element_yields(CONC_YIELD)[MAIN]}, capacity_t=0, cost_per_t=conc_cost,
                            status="existing", **blank,
                            source=_joined(f"case file: sites table, KZ-NEW-PLANT {ore_cost} USD/t ore, tech "
                                           f"{r['tech_origin']} (assumption)", conc_src,
                                           S_STRAT + ": KZ-PLANT-S / -M / -L, concentrate -> oxides"),
                            note=_joined("capacity_t 0, existing: exists only through its investments KZ-PLANT-S / -M "
                                         "/ -L (a candidate site cannot be an investment target, contract v2); no ore "
                                         "row: the plant takes concentrate only", cost_note)))
            continue
        # One separation line per plant, fed with concentrate: its capacity is the one-year case's oxide output
        # (ore_cap x 0.04 t REO = ore_cap / 9 t concentrate x 0.36), whichever feed arrives.  Raw ore is first
        # concentrated on site (ore -> concentrate, as at the mine), so ore and concentrate share the line
        # instead of each getting a line of its own (which would double every plant's oxide capacity).
        line_cap = round(ore_cap * YIELD / CONC_YIELD)
        sep_cost = (ore_cost - CONCENTRATOR_COST) * CONCENTRATION
        out.append(dict(r, output_commodity=CONC, **{"yield": CONCENTRATOR_YIELD}, cost_per_t=CONCENTRATOR_COST,
                        source=_joined(site_src, S_STRAT + ": raw ore (0.04 t REO per t) is concentrated before "
                                                           "separation; KZ-CONCENTRATOR's yield and cost"),
                        note=_joined(f"on-site beneficiation: ore -> concentrate, yield 1/9 and {CONCENTRATOR_COST} "
                                     "USD/t ore as at KZ-CONCENTRATOR (assumption); capacity_t = the one-year case's "
                                     f"{ore_cap:,} t ore/month; the oxide is made by the site's concentrate row")))
        out.append(dict(r, input_commodity=CONC, **{"yield": element_yields(CONC_YIELD)[MAIN]}, capacity_t=line_cap, cost_per_t=sep_cost,
                        source=_joined(site_src, conc_src),
                        note=_joined(f"capacity_t = {ore_cap:,} t ore/month x 0.04 / 0.36 = the one-year case's oxide "
                                     "output, shared by concentrate from the mine and concentrate made on site from "
                                     "ore (assumption: one separation line per plant)",
                                     f"cost_per_t = ({ore_cost} - {CONCENTRATOR_COST}) USD/t ore x 9 = {sep_cost} "
                                     f"USD/t concentrate: with the {CONCENTRATOR_COST} USD/t of concentrating, the "
                                     "one-year case's cost per t of oxide by either feed (assumption)")))
    return out


def _strategic_supply(one_year: dict, sites: list) -> list:
    """The one-year case's supply rows; an HCl row keeps its capacity, checked against the strategic line: the
    same t of HCl a month (concentrate capacity x 0.36 = the one-year ore capacity x 0.04 t oxide), and for
    KZ-NEW-PLANT the largest plant size."""
    line = {r["site"]: r for r in sites if r["input_commodity"] == CONC}
    out = []
    for r in _records(one_year, "supply"):
        if r["commodity"] == HCL:
            s = line[r["node"]]
            cap = s["capacity_t"] or max(per_month(i[5][1]) for i in INVESTMENTS if i[2] == s["site"])
            most = cap * CONC_YIELD * hcl_per_t_oxide(s["tech_origin"])
            assert most <= r["capacity_t"], r
            r = dict(r, note=_joined(r["note"], (
                f"strategic case: the line's {cap:,} t concentrate/month"
                + (" (the largest KZ-PLANT size)" if not s["capacity_t"] else "")
                + f" x 0.36 t oxide x {hcl_per_t_oxide(s['tech_origin'])} = {most:,.0f} t HCl/month at most")))
        out.append(r)
    return out


def _path(route_id: str, steps: dict, legs: dict) -> list:
    seq = steps[route_id]
    return [legs[seq[0]]["from_node"]] + [legs[x]["to_node"] for x in seq]


def _strategic_routes(one_year: dict, legs: dict) -> tuple:
    """Routes and route_legs: the one-year case's, without the ore route to KZ-NEW-PLANT (it takes no ore), plus
    the ore hop to the concentrator and, for every ore route out of the mine, a concentrate route from the
    concentrator over RAIL-KZCONC-KARAGANDA and then the ore route's legs (shared legs and capacities)."""
    steps = {}
    for r in _records(one_year, "route_legs"):
        steps.setdefault(r["route"], []).append(r["leg"])
    pv = round(sum(ORE_ROUTE_FIXED_PER_YEAR / (1 + DISCOUNT_RATE) ** k for k in range(LAST_YEAR - FIRST_YEAR + 1)))
    fixed_note = (f"fixed_cost {pv:,} = the one-year case's {ORE_ROUTE_FIXED_PER_YEAR:,} USD a year of contracting "
                  f"the route, over the 6 years {FIRST_YEAR}-{LAST_YEAR} as a present value at 8% (the contract pays "
                  "it once over the horizon, in the first year; assumption)")
    ore, conc, oxide = [], [], []
    for r in _records(one_year, "routes"):
        r = dict(r)
        if r["commodity"] != "ore":
            oxide.append((r, steps[r["route"]]))
            continue
        if r["fixed_cost"]:
            r["fixed_cost"], r["note"] = pv, _joined(r["note"], fixed_note)
        if r["destination"] != PLANT:
            ore.append((r, steps[r["route"]]))
        if r["origin"] == "KZ-KARAGANDA":
            rid = "CONC-" + r["route"].removeprefix("ORE-")
            seq = ["RAIL-KZCONC-KARAGANDA"] + steps[r["route"]]
            conc.append((dict(r, route=rid, origin=CONCENTRATOR, commodity=CONC,
                              description=" -> ".join([CONCENTRATOR] + _path(r["route"], steps, legs)),
                              source=_joined(S_STRAT + f": concentrate follows ore route {r['route']} (same legs, "
                                                       "corridor, fixed cost and volumes)", r["source"]),
                              note=r["note"]), seq))
    hop = dict(route="ORE-DOM-KZ-CONCENTRATOR", origin="KZ-KARAGANDA", destination=CONCENTRATOR, commodity="ore",
               corridor="Domestic", fixed_cost=0, min_volume_t=None, max_volume_t=None,
               description=f"KZ-KARAGANDA -> {CONCENTRATOR}",
               source=S_STRAT + ": KZ-CONCENTRATOR, a new site at the mine",
               note="fixed_cost 0: a haul inside the mine's own operation needs no contract (assumption)")
    ore.append((hop, ["RAIL-KARAGANDA-KZCONC"]))
    routes, route_legs = [], []
    for r, seq in ore + conc + oxide:
        routes.append(r)
        route_legs += [dict(route=r["route"], seq=i, leg=x, source="derived: routes sheet path", note="")
                       for i, x in enumerate(seq, start=1)]
    return routes, route_legs


def _strategic_storage(one_year: dict, sites: list) -> list:
    """The one-year case's storage rows (without ore at KZ-NEW-PLANT, which takes no ore), plus concentrate where
    it is made (the concentrator, in place of the mine's ore stockpile) and where it is processed."""
    out = [r for r in _records(one_year, "storage") if not (r["node"] == PLANT and r["commodity"] == "ore")]
    markets = {n[0] for n in NODES if n[1] == "market"}
    for r in out:
        if r["node"] in markets and r["commodity"] in ("ndpr", "dytb"):
            r.update(initial_t=round(r["capacity_t"] / 2, 3), note=_joined(r["note"], (
                "initial_t = 3 months of the market's 2027 demand (half the warehouse; strategic case only, "
                "assumption: importers' and JOGMEC-type stockpiles at the start of 2027), so that the defense "
                "min_fill of 0.9 can hold while the first shipments of the open horizon travel (2-3 months from "
                "the mine); without it no plan meets the first months' min_fill")))
    ore_store = {r["node"]: r["capacity_t"] for r in out if r["commodity"] == "ore"}
    hold = f"holding {HOLD_CONC} USD/t/period: assumption (covered store for a concentrate worth ~10x ore per t)"
    conc = [dict(node=CONCENTRATOR, commodity=CONC, capacity_t=STORE_CONC_KZ, holding_cost_per_t=HOLD_CONC, initial_t=0,
                 source="assumption: concentrate stockpile at the concentrator, the mine's 100,000 t ore stockpile / 10",
                 note=_joined("lets the concentrator run flat while corridors close seasonally; no ore store there: "
                              "the mine's stockpile is 20 km away", hold))]
    for r in sites:
        if r["input_commodity"] != CONC:
            continue
        if r["site"] == PLANT:
            largest = max(i[5][1] for i in INVESTMENTS if i[2] == PLANT)
            cap, why = largest // 4, f"3 months of the largest plant size ({largest:,} t concentrate/yr)"
        else:
            cap = round(ore_store[r["site"]] / CONCENTRATION)
            why = f"the site's ore yard ({ore_store[r['site']]:,} t, 3 months of ore) / 9: the same oxide content"
        conc.append(dict(node=r["site"], commodity=CONC, capacity_t=cap, holding_cost_per_t=HOLD_CONC, initial_t=0,
                         source="assumption: concentrate store of 3 months of input capacity",
                         note=_joined(why, hold)))
    mine = [i for i, r in enumerate(out) if r["node"] == "KZ-KARAGANDA"]
    at = mine[-1] + 1 if mine else 0
    return out[:at] + conc[:1] + out[at:] + conc[1:]


def _strategic_demand(one_year: dict) -> list:
    """Each one-year demand row (every month alike) as one row per period, grown 5% a year from 2027."""
    out = []
    for r in _records(one_year, "demand"):
        for period, year, *_ in _strategic_periods():
            if r["commodity"] == "lace":  # what is made does not grow: the mine's 500,000 t ore a year
                g, grown = 1.0, " / 12, rounded to the kg (not grown: 30% of what is made, and the mine's output is flat; assumption);"
                why = S_STRAT + ": La+Ce taken up to 30% of what is made (the mine's output does not grow)"
            else:
                g = (1 + GROWTH) ** (year - FIRST_YEAR)
                grown = f" / 12 x 1.05^({year}-{FIRST_YEAR}) = x {g:.6f}, rounded to the kg;"
                why = S_STRAT + ": demand grows 5% a year from the one-year case's figures (assumption)"
            out.append(dict(r, period=period, quantity_t=round(r["quantity_t"] * g, 3),
                            source=_joined(r["source"], why), note=r["note"].replace(" / 12;", grown, 1)))
    return out


def _strategic_licences(one_year: dict) -> list:
    out = []
    for r in _records(one_year, "licences"):
        if r["licence"] == "CN-TRANSIT":
            r = dict(r, commodity=r["commodity"].replace("ore,", "ore,concentrate,", 1),
                     note=_joined(r["note"], "concentrate added to the case file's ore and reo (assumption): China "
                                             "refused transit of Kazakh rare earths, and concentrate is ore by another "
                                             "name; without it concentrate would cross China to Japan and the US"))
        out.append(r)
    return out


def _investments() -> list:
    out = []
    for inv, tt, target, com, inp, (per, cap), units, capex, fixed, lead, payer, group, src, note in INVESTMENTS:
        cap_t = per_month(cap) if per == "yr" else cap
        what = {"ore": "t ore", CONC: "t concentrate"}.get(inp, "t")
        cap_note = (f"capacity_t = {cap:,} {what}/yr / 12 = {cap_t:,} {what}/month" if per == "yr"
                    else f"capacity_t = {cap_t:,} t/month")
        out.append(dict(investment=inv, target_type=tt, target=target, commodity=com, input_commodity=inp,
                        capacity_t=cap_t, max_units=units, capex=capex, fixed_cost_per_year=fixed, lead_periods=lead,
                        earliest_period=None, payer=payer, exclusive_group=group, source=src,
                        note=_joined(cap_note, note, PAYER_NOTE[payer])))
    return out


def build_strategic_tables() -> dict:
    """The strategic case 2027-2032 as {sheet: (columns, rows)}: the one-year case's tables, transformed."""
    one = build_tables(scaled=False)  # the case file: the one-year case's REO demand read as NdPr
    T = {"settings": (one["settings"][0], _strategic_settings(one)),
         "periods": (["period", "year", "month", "days", "source", "note"], _strategic_periods())}
    com = _records(one, "commodities")
    com.insert(1, dict(commodity=CONC, unit="t", description="mineral concentrate (~40% TREO), made from ore at the mine",
                       source=S_STRAT + ": concentrate of 40% TREO (assumption), made by KZ-CONCENTRATOR",
                       note="one t of concentrate holds the oxide of 9 t of ore (0.36 / 0.04)"))
    T["commodities"] = _table(one["commodities"][0], com)
    nodes = _records(one, "nodes")
    for r in nodes:
        if r["node"] == PLANT:
            r.update(description="Kazakh separation plant (planned by 2028), built only through its investments",
                     note=_joined(r["note"], "strategic case: concentrate -> oxides, sizes KZ-PLANT-S / -M / -L"))
    nodes += [dict(zip(one["nodes"][0], n)) for n in STRATEGIC_NODES]
    T["nodes"] = _table(one["nodes"][0], nodes)
    sites = _strategic_sites(one)
    T["supply"] = _table(one["supply"][0], _strategic_supply(one, sites))
    T["sites"] = _table(one["sites"][0], sites)
    T["site_products"] = _table(SP_COLS, site_products(sites, {CONC: CONC_YIELD}))
    legs = _records(one, "legs") + [leg_figures(r) for r in CONCENTRATOR_LEGS]
    for r in legs:
        if r["leg"] == AKTAU_RAIL:
            r.update(capacity_t=AKTAU_BASE, note=_joined(r["note"], (
                f"capacity_t {AKTAU_BASE:,} t/month (strategic case only; assumption): this case's share of the "
                "line and of Aktau port handling, equal to its ferry share, so that AKTAU-EXPANSION adds to a "
                "finite capacity (unlimited in the one-year case, where the ferry share alone binds)")))
    T["legs"] = _table(one["legs"][0], legs)
    routes, route_legs = _strategic_routes(one, {r["leg"]: r for r in legs})
    T["routes"] = _table(one["routes"][0], routes)
    T["route_legs"] = _table(one["route_legs"][0], route_legs)
    T["seasonality"] = one["seasonality"]  # keyed on the calendar month: the same months every year
    T["storage"] = _table(one["storage"][0], _strategic_storage(one, sites))
    T["demand"] = _table(one["demand"][0], _strategic_demand(one))
    T["licences"] = _table(one["licences"][0], _strategic_licences(one))
    T["policies"] = one["policies"]
    T["investments"] = _table(INV_COLS, _investments())
    years = LAST_YEAR - FIRST_YEAR + 1
    T["charges"] = _table(CHARGE_COLS, charges(years=years))
    T["scenarios"] = (SC_COLS, [list(r) for r in STRATEGIC_SCENARIOS])
    return T


def _save(tables: dict, path) -> None:
    """Write ``tables`` to ``path`` with fixed document and zip entry times (byte-for-byte deterministic)."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, (cols, rows) in tables.items():
        ws = wb.create_sheet(name)
        ws.append(cols)
        for cell in ws[1]:
            cell.font = bold
        for r in rows:
            ws.append(r)
        ws.freeze_panes = "A2"
    if "scenarios" in wb.sheetnames:
        for row in wb["scenarios"].iter_rows(min_row=2, max_row=200, min_col=5, max_col=5):
            for cell in row:  # Text, so that a planner typing +100 or x1.2 keeps what was typed
                cell.number_format = "@"
    # deterministic bytes: fixed document times and fixed zip entry times
    import datetime
    fixed = datetime.datetime(2027, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "corridor inputs/build_kazakhstan_rare_earths.py"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        ExcelWriter(wb, zf).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2027, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, zin.read(info.filename))
    Path(path).write_bytes(out.getvalue())


def write(path) -> None:
    """Write the one-year default case to ``path`` (byte-for-byte deterministic)."""
    _save(build_tables(), path)


def write_strategic(path) -> None:
    """Write the strategic case 2027-2032 to ``path`` (byte-for-byte deterministic)."""
    _save(build_strategic_tables(), path)


HERE = Path(__file__).resolve().parent
EMBEDDED = HERE.parent / "model" / "corridor" / "cases"  # the package data the installed product solves by default
ONE_YEAR, STRATEGIC = "kazakhstan_rare_earths.xlsx", "kazakhstan_rare_earths_2027_2032.xlsx"

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Write the Kazakhstan rare-earth input workbooks (no argument: all four "
                                             "files, in inputs/ and model/corridor/cases/).")
    ap.add_argument("out", nargs="*", help="write the one-year case to these files")
    ap.add_argument("--strategic", action="append", default=[], metavar="OUT.xlsx",
                    help="write the strategic case 2027-2032 to this file (may be repeated)")
    args = ap.parse_args()
    jobs = [(write, t) for t in args.out] + [(write_strategic, t) for t in args.strategic]
    if not jobs:
        jobs = [(write, HERE / ONE_YEAR), (write, EMBEDDED / ONE_YEAR),
                (write_strategic, HERE / STRATEGIC), (write_strategic, EMBEDDED / STRATEGIC)]
    for job, target in jobs:
        job(target)
        print(f"wrote {target}")
