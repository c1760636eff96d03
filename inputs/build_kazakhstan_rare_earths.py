#!/usr/bin/env python3
"""Write the default input workbook of corridor: Kazakh rare-earth ore to Japan, Korea, the US, the EU.

Usage:  python inputs/build_kazakhstan_rare_earths.py [OUT.xlsx]
        (default: kazakhstan_rare_earths.xlsx beside this script, and the same bytes as the package's
        embedded default case, model/corridor/cases/kazakhstan_rare_earths.xlsx; a test keeps the two identical)

Every figure comes from /work/shared/case/kazakhstan-rare-earths.md ("case file: ...") or is an
assumption ("assumption: ...", with the reason in `note`). Sheets and columns follow the input
workbook contract (spec/workbook.md). Output is byte-for-byte deterministic.
"""
import io
import math
import sys
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
    ("mip_rel_gap", 1e-6, "product choice", "tighter than the contract default 1e-4 so the default case is solved to (near-)proven optimality; it solves in well under a second"),
    ("threads", None, "contract default (blank = solver default)", ""),
]
YEAR = 2027
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  # 2027 is not a leap year

COMMODITIES = [  # commodity, unit, description, source, note
    ("ore", "t", "raw rare-earth ore, Karaganda deposit", "case file: commodities ore (raw ore, t)", ""),
    ("reo", "t", "separated rare-earth oxides", "case file: commodities reo (separated REO, t)", ""),
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
    # (b) REO from each site to the markets it can plausibly serve
    ("REO-BAOTOU-YOKOHAMA", "CN-BAOTOU", "JP-YOKOHAMA", "reo", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-YOKOHAMA"], S_BT),
    ("REO-BAOTOU-BUSAN", "CN-BAOTOU", "KR-BUSAN", "reo", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-BUSAN"], S_BT),
    ("REO-BAOTOU-LONGBEACH", "CN-BAOTOU", "US-LONG-BEACH", "reo", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-LONGBEACH"], S_BT),
    ("REO-BAOTOU-ROTTERDAM", "CN-BAOTOU", "NL-ROTTERDAM", "reo", "China", ["RAIL-BAOTOU-TIANJIN", "SEA-TIANJIN-ROTTERDAM"], S_BT),
    ("REO-KUANTAN-YOKOHAMA", "MY-KUANTAN", "JP-YOKOHAMA", "reo", "Sea", ["SEA-KUANTAN-YOKOHAMA"], S_SEA),
    ("REO-KUANTAN-BUSAN", "MY-KUANTAN", "KR-BUSAN", "reo", "Sea", ["SEA-KUANTAN-BUSAN"], S_SEA),
    ("REO-KUANTAN-LONGBEACH", "MY-KUANTAN", "US-LONG-BEACH", "reo", "Sea", ["SEA-KUANTAN-LONGBEACH"], S_SEA),
    ("REO-KUANTAN-ROTTERDAM", "MY-KUANTAN", "NL-ROTTERDAM", "reo", "Sea", ["SEA-KUANTAN-ROTTERDAM"], S_SEA),
    ("REO-SILLAMAE-ROTTERDAM", "EE-SILLAMAE", "NL-ROTTERDAM", "reo", "Sea", ["SEA-SILLAMAE-ROTTERDAM"], "case file: Rotterdam <-> Sillamae by sea 2,000 km"),
    ("REO-SILLAMAE-LONGBEACH", "EE-SILLAMAE", "US-LONG-BEACH", "reo", "Sea", ["SEA-SILLAMAE-ROTTERDAM", "SEA-ROTTERDAM-LONGBEACH"], S_SEA),
    ("REO-SILLAMAE-YOKOHAMA", "EE-SILLAMAE", "JP-YOKOHAMA", "reo", "Sea", ["SEA-SILLAMAE-ROTTERDAM", "SEA-ROTTERDAM-YOKOHAMA"], S_SEA),
    ("REO-MTPASS-LONGBEACH", "US-MOUNTAIN-PASS", "US-LONG-BEACH", "reo", "Local", ["ROAD-MTPASS-LONGBEACH"], S_LOC),
    ("REO-JPREFINERY-YOKOHAMA", "JP-REFINERY", "JP-YOKOHAMA", "reo", "Local", ["ROAD-JPREFINERY-YOKOHAMA"], S_LOC),
    ("REO-KRSMELTER-BUSAN", "KR-SMELTER", "KR-BUSAN", "reo", "Local", ["ROAD-KRSMELTER-BUSAN"], S_LOC),
    ("REO-KZPLANT-CN-BUSAN", "KZ-NEW-PLANT", "KR-BUSAN", "reo", "China", P_CN + ["SEA-LIANYUNGANG-BUSAN"], S_CN),
    ("REO-KZPLANT-CN-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "reo", "China", P_CN + ["SEA-LIANYUNGANG-ROTTERDAM"], S_CN),
    ("REO-KZPLANT-CN-YOKOHAMA", "KZ-NEW-PLANT", "JP-YOKOHAMA", "reo", "China", P_CN + ["SEA-LIANYUNGANG-YOKOHAMA"], S_CN + "; CN-TRANSIT blocks it in the base case"),
    ("REO-KZPLANT-CN-LONGBEACH", "KZ-NEW-PLANT", "US-LONG-BEACH", "reo", "China", P_CN + ["SEA-LIANYUNGANG-LONGBEACH"], S_CN + "; CN-TRANSIT blocks it in the base case"),
    ("REO-KZPLANT-MC-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "reo", "Middle Corridor", P_MC + ["SEA-POTI-ROTTERDAM"], S_MC),
    ("REO-KZPLANT-MC-YOKOHAMA", "KZ-NEW-PLANT", "JP-YOKOHAMA", "reo", "Middle Corridor", P_MC + ["SEA-POTI-YOKOHAMA"], S_MC),
    ("REO-KZPLANT-MC-LONGBEACH", "KZ-NEW-PLANT", "US-LONG-BEACH", "reo", "Middle Corridor", P_MC + ["SEA-POTI-LONGBEACH"], S_MC),
    ("REO-KZPLANT-NR-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "reo", "Northern", P_NR + ["SEA-USTLUGA-ROTTERDAM"], S_NR + " -> Rotterdam 2,100 km sea"),
    ("REO-KZPLANT-SO-YOKOHAMA", "KZ-NEW-PLANT", "JP-YOKOHAMA", "reo", "Southern", P_SO + ["SEA-BANDARABBAS-YOKOHAMA"], S_SO),
    ("REO-KZPLANT-SO-ROTTERDAM", "KZ-NEW-PLANT", "NL-ROTTERDAM", "reo", "Southern", P_SO + ["SEA-BANDARABBAS-ROTTERDAM"], S_SO),
    ("REO-KZPLANT-SO-LONGBEACH", "KZ-NEW-PLANT", "US-LONG-BEACH", "reo", "Southern", P_SO + ["SEA-BANDARABBAS-LONGBEACH"], S_SO + "; US-IRAN blocks it"),
]

# A route is used only if it is contracted for the year: forwarder and rail/sea slot programme, customs
# and sanctions compliance set-up, insurance.  The case gives no figure (assumption, order of magnitude:
# ~1% of a route's yearly freight bill at 100 kt of ore; a tenth of that for an oxide lane of ~1 kt).
# This is what makes route activation a here-and-now decision under the disruption scenarios.
ROUTE_FIXED = {
    "ore": (1000000, "fixed_cost 1,000,000 USD/yr: contracting an ore route for the year (assumption: forwarder, slot programme, compliance; ~1% of its freight bill at 100 kt)"),
    "reo": (0, "fixed_cost 0: oxide lanes ride on liner services booked per shipment (assumption)"),
}

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
PRICE = 60000  # case file: ~60,000 USD/t REO (assumption, margin reporting only)
PENALTY = {"civil": 200000, "defense": 1000000}
PENALTY_NOTE = {
    "civil": "penalty assumption: ~3x the 60,000 USD/t price, the cost of a missed delivery",
    "defense": "penalty assumption: defense supply must not fail; 1,000,000 USD/t (contract default)",
}
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
LIC_COLS = ["licence", "authority", "applies_to", "country", "commodity", "destination_country", "end_use",
            "rule", "granted", "application_cost", "validity_periods", "lead_periods", "quota_t", "source", "note"]
S61 = "case file: MOFCOM No. 61/62 (in force 1 Dec 2025); licence valid 6 months; lead 2 periods, application cost 50,000 (assumption)"
LICENCES = [
    ("CN-61-EXPORT", "CN-MOFCOM", "export", "CN", "reo", "*", "*", "required", "yes", 50000, 6, 2, None, S61 + "; export of reo from CN", ""),
    ("CN-61-CONTENT", "CN-MOFCOM", "controlled_content", "CN", "reo", "*", "*", "required", "yes", 50000, 6, 2, None, S61 + "; products made with Chinese separation technology", "tech_origin CN (CN-BAOTOU, JP-REFINERY)"),
    ("CN-MILITARY-EXPORT", "CN-MOFCOM", "export", "CN", "*", "*", "defense", "prohibited", None, None, None, None, None, "case file: CN-MILITARY, military end uses refused in principle", "the case's CN-MILITARY rule, export half (one applies_to per row)"),
    ("CN-MILITARY-CONTENT", "CN-MOFCOM", "controlled_content", "CN", "*", "*", "defense", "prohibited", None, None, None, None, None, "case file: CN-MILITARY, military end uses refused in principle", "the case's CN-MILITARY rule, controlled-content half"),
    ("CN-TRANSIT", "CN-MOFCOM", "transit", "CN", "ore,reo", "JP,US", "*", "required", "no", 50000, 6, 2, None, "case file: Dec 2025 China refused transit of Kazakh rare earths to Japan/US; terms as CN-61 (assumption)", "granted = no in the base case; flip to yes for the other world"),
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
    ("kz-plant-built", "sites", "KZ-NEW-PLANT", "status", "existing",
     "KZ-NEW-PLANT built and available all year; its capex (150 M USD/yr annualised) is committed, so not in the "
     "cost: compare the saving with it", None, "case file: the government plans local processing by 2028", ""),
    ("kz-plant-built", "sites", "KZ-NEW-PLANT", "fixed_cost", 0, None, None,
     "contract: fixed_cost is 0 for an existing site", "an existing site has no opening decision and no fixed cost"),
    ("demand-plus-30", "demand", "*", "quantity_t", "x1.3", "Demand 30% higher in every market and end use", None,
     "issue 6: demand +30%", ""),
    ("northern-freight-half", "legs", "country=RU", "cost_per_t", "x0.5",
     "Sanctions lifted: freight on the Russian legs of the Northern route halves", None,
     "case file: Northern freight more than doubled since 2022 and is exposed to sanctions", ""),
    ("independence-with-kz-plant", "include", None, None, "jp-us-no-cn",
     "JP-US-NO-CN with KZ-NEW-PLANT built: the price of independence once Kazakhstan separates its own ore",
     None, "issue 6: the seeds' questions combined", "includes two scenarios"),
    ("independence-with-kz-plant", "include", None, None, "kz-plant-built", None, None,
     "issue 6: the seeds' questions combined", ""),
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


def build_tables() -> dict:
    """Return {sheet: (columns, rows)} with rows as lists in column order."""
    T = {}
    T["settings"] = (["key", "value", "source", "note"], [list(r) for r in SETTINGS])
    T["periods"] = (["period", "month", "days", "source", "note"],
                    [[f"{YEAR}-{m:02d}", m, d, "calendar: real month lengths of 2027", ""]
                     for m, d in enumerate(MONTH_DAYS, start=1)])
    T["commodities"] = (["commodity", "unit", "description", "source", "note"], [list(r) for r in COMMODITIES])
    T["nodes"] = (["node", "kind", "country", "lat", "lon", "description", "source", "note"], [list(r) for r in NODES])
    T["supply"] = (["node", "commodity", "period", "capacity_t", "cost_per_t", "source", "note"],
                   [[n, c, p, per_month(a), cost, s, note] for n, c, p, a, cost, s, note in SUPPLY])
    T["sites"] = (["site", "input_commodity", "output_commodity", "yield", "capacity_t", "cost_per_t", "status",
                   "fixed_cost", "min_throughput_t", "available_from", "tech_origin", "source", "note"],
                  [[s, "ore", "reo", YIELD, per_month(cap), cost, st, fc, 0, f"{YEAR}-01" if st == "candidate" else None,
                    tech, src + "; yield 0.04 (case file, assumption)",
                    f"capacity_t = {cap:,} t ore/yr / 12" + ("; fixed cost paid once per horizon (= one year)" if st == "candidate" else "")]
                   for s, cap, cost, st, fc, tech, src in SITES])
    legs = [leg_figures(r) for r in LEGS]
    lcols = list(legs[0].keys())
    T["legs"] = (lcols, [[d[c] for c in lcols] for d in legs])
    leg_by_id = {d["leg"]: d for d in legs}
    rrows, rlrows = [], []
    for rid, o, dst, com, corr, lg, src in ROUTES:
        path = [leg_by_id[lg[0]]["from_node"]] + [leg_by_id[x]["to_node"] for x in lg]
        fixed, fnote = ROUTE_FIXED[com]
        rrows.append([rid, o, dst, com, corr, fixed, None, None, " -> ".join(path), src + "; " + fnote, ""])
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
    mkt_total = {}
    for mkt, _, q, _ in DEMAND:
        mkt_total[mkt] = mkt_total.get(mkt, 0) + q
    srows += [[m, "reo", q // 2, HOLD_REO, 0, "assumption: REO warehouse of 6 months of the market's demand",
               "holding 50 USD/t/period = ~1%/month capital cost on 60,000 USD/t"] for m, q in mkt_total.items()]
    T["storage"] = (["node", "commodity", "capacity_t", "holding_cost_per_t", "initial_t", "source", "note"], srows)
    T["demand"] = (["market", "commodity", "end_use", "period", "quantity_t", "shortfall_penalty_per_t", "price_per_t",
                    "source", "note"],
                   [[m, "reo", eu, "*", q / 12.0, PENALTY[eu], PRICE,
                     src + "; price ~60,000 USD/t (case file, assumption)",
                     f"quantity_t = {q:,} t/yr / 12; " + PENALTY_NOTE[eu]] for m, eu, q, src in DEMAND])
    T["licences"] = (LIC_COLS, [list(r) for r in LICENCES])
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


def write(path) -> None:
    """Write the workbook to ``path`` with fixed document and zip entry times (byte-for-byte deterministic)."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, (cols, rows) in build_tables().items():
        ws = wb.create_sheet(name)
        ws.append(cols)
        for cell in ws[1]:
            cell.font = bold
        for r in rows:
            ws.append(r)
        ws.freeze_panes = "A2"
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


HERE = Path(__file__).resolve().parent
EMBEDDED = HERE.parent / "model" / "corridor" / "cases"  # the package data the installed product solves by default

if __name__ == "__main__":
    targets = sys.argv[1:] or [HERE / "kazakhstan_rare_earths.xlsx", EMBEDDED / "kazakhstan_rare_earths.xlsx"]
    for target in targets:
        write(target)
        print(f"wrote {target}")
