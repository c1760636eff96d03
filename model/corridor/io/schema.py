"""The input workbook schema: one table that drives the reader, the validator, the template and the docs.

Every sheet and column of the contract (`shared/spec/workbook.md`, v1) is declared here once, with its
type, unit, default and meaning.  `io/reader.py` converts cells with it, `io/validate.py` checks references
with it, `io/template.py` writes the empty workbook and its README sheet from it, and `docs/inputs.md` is
generated from it (`corridor docs`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

STAR = "*"

MODES = ("rail", "road", "sea", "ferry", "river", "air")
NODE_KINDS = ("mine", "site", "port", "border", "hub", "market")
SITE_STATUS = ("existing", "candidate")
SEASON_TARGETS = ("leg", "route", "corridor", "site", "supply")
APPLIES_TO = ("transit", "export", "controlled_content")
RULES = ("prohibited", "required")
YES_NO = ("yes", "no")
MEASURES = ("corridor", "transit_country", "processing_country", "route", "max_active_routes")
OBJECTIVES = ("min_cost", "max_security", "max_margin")
SECURITY_METRICS = ("expected_shortfall", "cvar_shortfall", "worst_case_shortfall", "max_dependence")
INVESTMENT_TARGETS = ("leg", "site", "storage", "supply")
CHARGE_KINDS = ("tariff", "tax", "fee", "subsidy", "premium")
CHARGE_TARGETS = ("route", "corridor", "leg", "site", "market")
DISRUPTION_TARGETS = ("leg", "route", "corridor", "site", "country", "supply", "licence")
HORIZONS = ("cyclic", "open")
# ISO 3166-1 alpha-2 codes (the tz database's iso3166.tab, public domain, as of 2023-04) and INT (a sea leg in
# international waters): the template's country dropdowns.  The validator takes any code; these are a guide.
COUNTRY_CODES = tuple("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
YT ZA ZM ZW""".split()) + ("INT",)
# (sheet, column) of the text columns that hold country codes (or lists of them)
COUNTRY_COLUMNS = (("nodes", "country"), ("legs", "country"), ("sites", "tech_origin"), ("licences", "country"),
                   ("licences", "destination_country"), ("charges", "processing_country"))

# Plausibility ceilings (`Column.hi` with ``ceiling``): above them a figure is a typo or a placeholder for
# "unlimited" that would wreck the solver's numerics, never a real one.
MAX_TONNES = 1e12  # t (a thousand times the world's yearly iron ore)
MAX_PER_T = 1e9  # currency per tonne
MAX_MONEY = 1e15  # currency
MAX_DAYS = 3660  # days (ten years)
MAX_YIELD = 1000  # t of output per t of input
MAX_FACTOR = 1000  # a cost factor
MAX_GAP = 0.5  # settings.mip_rel_gap (a share: 0.01 = 1%)
UNLIMITED_T = MAX_TONNES  # a "blank = unlimited" capacity at or above this is read as blank (with a warning)


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    kind: ``id`` (declares an id), ``ref`` (refers to ids of sheet ``ref``), ``text``, ``num``, ``int``,
    ``enum`` (one of ``allowed``), ``list`` (comma-separated refs or ``*``).
    """

    name: str
    kind: str
    desc: str
    required: bool = False
    default: object = None
    unit: str = ""
    allowed: tuple = ()
    ref: str = ""
    lo: float | None = None
    hi: float | None = None
    star: bool = False  # ``*`` accepted (means "all")
    above: bool = False  # ``lo`` itself is not allowed: the value must be above it (yield)
    ceiling: bool = False  # ``hi`` is a plausibility ceiling (a typo above it), not the end of a range
    unlimited: float | None = None  # blank = unlimited: a value at or above this is read as blank (a warning)


@dataclass(frozen=True)
class Sheet:
    """One sheet of the contract: its columns, whether it is required, its key and id columns."""

    name: str
    desc: str
    columns: tuple
    required: bool = True
    key: tuple = ()  # columns whose combination must be unique
    id_column: str = ""  # the column declaring this sheet's ids (if any)
    kv: bool = False  # key/value sheet (settings)
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> Column:
        """The column ``name`` of this sheet (KeyError when it has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _free():
    return (
        Column("source", "text", "where the figure came from (kept and echoed, never interpreted)"),
        Column("note", "text", "free note (kept and echoed, never interpreted)"),
    )


def tonnes(name: str, desc: str, **kw: object) -> Column:
    """A quantity column in tonnes, refused above `MAX_TONNES`."""
    return Column(name, "num", desc, unit="t", lo=0, hi=MAX_TONNES, ceiling=True, **kw)


def capacity(name: str, desc: str, unit: str = "t") -> Column:
    """A capacity whose blank means unlimited: `UNLIMITED_T` or more is read as blank (with a warning)."""
    return Column(name, "num", f"{desc} (blank = unlimited; {UNLIMITED_T:g} or more is read as unlimited)",
                  unit=unit, lo=0, unlimited=UNLIMITED_T)


def per_t(name: str, desc: str, unit: str = "currency/t", **kw: object) -> Column:
    """Money per tonne, refused above `MAX_PER_T`."""
    return Column(name, "num", desc, unit=unit, lo=0, hi=MAX_PER_T, ceiling=True, **kw)


def money(name: str, desc: str, unit: str = "currency", **kw: object) -> Column:
    """Money, refused above `MAX_MONEY`."""
    return Column(name, "num", desc, unit=unit, lo=0, hi=MAX_MONEY, ceiling=True, **kw)


FREE = frozenset(c.name for c in _free())  # kept and echoed, never interpreted

SETTINGS = {
    # key: (kind, default, allowed/lo, description)
    "objective": ("enum", "min_cost", OBJECTIVES, "min_cost, max_security or max_margin (contract v2: maximise revenue "
                  "- price_per_t times the tonnes delivered - minus cost; quantity_t is then the most a market takes "
                  "and only a demand row's own shortfall_penalty_per_t or min_fill makes undelivered tonnes matter)"),
    "horizon": ("enum", None, HORIZONS,
                "cyclic: the periods are a representative year that repeats (end stock = start stock, "
                "shipments in transit wrap around); open: plain horizon (end stock >= 0, arrivals after "
                "the last period are not delivered); blank: cyclic when the periods are one year, open when their "
                "year column spans several (cyclic with several years is an error)"),
    "discount_rate": ("num", 0.0, (0, 1), "yearly rate: a cost of year y counts 1 / (1 + rate)^(y - first year) "
                      "(0.08 = 8% a year; costs once over the horizon count in the first year)"),
    "currency": ("text", "USD", (), "label only"),
    "shortfall_penalty_per_t": ("num", 1e6, (0, MAX_PER_T),
                                "cost of one tonne of unmet demand where demand gives none (at most 1e9)"),
    "time_limit_s": ("num", 600.0, (0,), "solver time limit in seconds"),
    "mip_rel_gap": ("num", 1e-4, (0, MAX_GAP), "relative MIP gap at which the solver stops, 0..0.5 (a share, not a "
                    "percentage: 0.01 = 1%)"),
    "threads": ("int", None, (1,), "solver threads (blank = solver default)"),
    "security_metric": ("enum", "expected_shortfall", SECURITY_METRICS,
                        "what max_security minimises: expected_shortfall (expected share of demand not delivered), "
                        "cvar_shortfall (CVaR at cvar_alpha of that share over the scenarios), "
                        "worst_case_shortfall (the share in the worst scenario) or max_dependence (the largest "
                        "expected share of a market's demand that depends on one country or one corridor)"),
    "cvar_alpha": ("num", 0.9, (0,), "CVaR level for cvar_shortfall, 0 <= alpha < 1 (0.9 = the worst 10% of outcomes)"),
    "cost_budget": ("num", None, (0, MAX_MONEY),
                    "max_security: the expected total cost may not exceed this (currency, at most 1e15)"),
    "cost_budget_pct": ("num", None, (0,),
                        "max_security: the expected total cost may exceed the min-cost optimum (solved first) by at "
                        "most this percentage (default 10 when cost_budget is blank too)"),
    "security_report": ("enum", "yes", ("yes", "no"),
                        "yes: compute the security metrics and the corridor N-1 re-solves for every plan"),
}

SHEETS: tuple[Sheet, ...] = (
    Sheet("settings", "Run settings, two columns `key` and `value`. Every key is optional.", (
        Column("key", "enum", "setting name", required=True, allowed=tuple(SETTINGS)),
        Column("value", "text", "setting value (see the settings table)"),
    ) + _free(), required=False, key=("key",), kv=True),
    Sheet("periods", "The time periods; the sheet order is the time order.", (
        Column("period", "id", "period id, e.g. 2027-01", required=True),
        Column("month", "int", "calendar month 1..12; seasonality keys on it (blank: read from a YYYY-MM id)",
               lo=1, hi=12),
        Column("days", "num", "length of the period", default=30.0, unit="days", lo=1, hi=MAX_DAYS),
        Column("year", "int", "calendar year of the period, e.g. 2027 (contract v2): given on every row or on none, "
               "never decreasing down the sheet; costs are discounted by year (settings.discount_rate)",
               lo=1900, hi=2500),
    ) + _free(), key=("period",), id_column="period"),
    Sheet("commodities", "The goods that flow (e.g. ore, reo).", (
        Column("commodity", "id", "commodity id", required=True),
        Column("unit", "text", "unit label", default="t"),
        Column("description", "text", "free text"),
        per_t("disposal_cost_per_t", "contract v2: cost per tonne discarded, at any node (blank = it cannot be "
              "discarded: every tonne made must be used, stored or delivered; 0 allowed)"),
    ) + _free(), key=("commodity",), id_column="commodity"),
    Sheet("nodes", "Places: mines, processing sites, ports, borders, hubs, markets.", (
        Column("node", "id", "node id", required=True),
        Column("kind", "enum", "what the node is", required=True, allowed=NODE_KINDS),
        Column("country", "text", "ISO 3166 alpha-2 country code, e.g. KZ", required=True),
        Column("lat", "num", "latitude (informational)", unit="deg", lo=-90, hi=90),
        Column("lon", "num", "longitude (informational)", unit="deg", lo=-180, hi=180),
        Column("description", "text", "free text"),
    ) + _free(), key=("node",), id_column="node"),
    Sheet("supply", "What each source can supply per period.", (
        Column("node", "ref", "supplying node", required=True, ref="nodes"),
        Column("commodity", "ref", "commodity supplied", required=True, ref="commodities"),
        Column("period", "ref", "period, or * for every period", required=True, ref="periods", star=True),
        tonnes("capacity_t", "tonnes per period", required=True),
        per_t("cost_per_t", "cost per tonne supplied", default=0.0),
    ) + _free(), key=("node", "commodity", "period")),
    Sheet("sites", "Processing sites: one row per process (a site may have several rows, one per input "
          "commodity, each with its own capacity, cost and status).", (
        Column("site", "ref", "a node of kind site", required=True, ref="nodes"),
        Column("input_commodity", "ref", "commodity consumed", required=True, ref="commodities"),
        Column("output_commodity", "ref", "commodity produced", required=True, ref="commodities"),
        Column("yield", "num", "tonnes of output per tonne of input", required=True, unit="t/t", lo=0, above=True,
               hi=MAX_YIELD, ceiling=True),
        tonnes("capacity_t", "input tonnes per period", required=True),
        per_t("cost_per_t", "cost per tonne of input processed", default=0.0),
        Column("status", "enum", "existing: always available; candidate: opened by the model",
               default="existing", allowed=SITE_STATUS),
        money("fixed_cost", "paid once over the horizon if a candidate is opened", default=0.0),
        tonnes("min_throughput_t", "input tonnes per period while open", default=0.0),
        Column("available_from", "ref", "first period it may process (blank: the first period)",
               ref="periods"),
        Column("tech_origin", "text", "country whose technology it uses (blank: the site's country)"),
    ) + _free(), required=False, key=("site", "input_commodity")),
    Sheet("legs", "Physical links; several routes may share one leg and its capacity.", (
        Column("leg", "id", "leg id", required=True),
        Column("from_node", "ref", "start node", required=True, ref="nodes"),
        Column("to_node", "ref", "end node", required=True, ref="nodes"),
        Column("mode", "enum", "transport mode", required=True, allowed=MODES),
        Column("country", "text", "country the leg runs in (sea: flag of the departure port, or INT)",
               required=True),
        Column("distance_km", "num", "informational", unit="km", lo=0),
        per_t("cost_per_t", "freight cost per tonne", default=0.0),
        per_t("handling_cost_per_t", "handling paid when a shipment enters this leg", default=0.0),
        Column("transit_days", "num", "days on this leg including dwell at its start", default=0.0,
               unit="days", lo=0, hi=MAX_DAYS, ceiling=True),
        capacity("capacity_t", "tonnes per period"),
    ) + _free(), key=("leg",), id_column="leg"),
    Sheet("routes", "A route is an ordered path of legs; the model decides the volume per route.", (
        Column("route", "id", "route id", required=True),
        Column("origin", "ref", "first node", required=True, ref="nodes"),
        Column("destination", "ref", "last node", required=True, ref="nodes"),
        Column("commodity", "ref", "commodity carried", required=True, ref="commodities"),
        Column("corridor", "text", "label that groups routes, e.g. China, Middle Corridor", required=True),
        money("fixed_cost", "paid once over the horizon if the route is used at all", default=0.0),
        tonnes("min_volume_t", "tonnes per period in which the route is used", default=0.0),
        capacity("max_volume_t", "tonnes per period"),
        Column("description", "text", "free text"),
    ) + _free(), key=("route",), id_column="route"),
    Sheet("route_legs", "The legs of each route in order; they must chain from origin to destination.", (
        Column("route", "ref", "route", required=True, ref="routes"),
        Column("seq", "int", "position of the leg on the route: 1, 2, ...", required=True, lo=1),
        Column("leg", "ref", "leg", required=True, ref="legs"),
    ) + _free(), key=("route", "seq")),
    Sheet("seasonality", "Capacity and cost factors by month or period. Factors multiply; no row = 1.", (
        Column("target_type", "enum", "what the factor applies to", required=True, allowed=SEASON_TARGETS),
        Column("target", "text", "leg / route / site / supplying node id, or corridor label", required=True),
        Column("month", "int", "calendar month 1..12 or * (give month or period)", lo=1, hi=12, star=True),
        Column("period", "ref", "a period id, or * for every period (give month or period)", ref="periods",
               star=True),
        Column("capacity_factor", "num", "0..1, 0 = closed", default=1.0, lo=0, hi=1),
        Column("cost_factor", "num", "multiplies the cost", default=1.0, lo=0, hi=MAX_FACTOR, ceiling=True),
    ) + _free(), required=False),
    Sheet("storage", "Where stock may be held (nowhere else).", (
        Column("node", "ref", "node", required=True, ref="nodes"),
        Column("commodity", "ref", "commodity", required=True, ref="commodities"),
        capacity("capacity_t", "tonnes"),
        per_t("holding_cost_per_t", "per tonne of end-of-period stock per period", unit="currency/t/period",
              default=0.0),
        tonnes("initial_t", "stock before the first period (ignored when the horizon is cyclic)", default=0.0),
    ) + _free(), required=False, key=("node", "commodity")),
    Sheet("demand", "What each market needs, per end use and period.", (
        Column("market", "ref", "market node", required=True, ref="nodes"),
        Column("commodity", "ref", "commodity", required=True, ref="commodities"),
        Column("end_use", "text", "civil, defense or any label", default="civil"),
        Column("period", "ref", "period, or * for every period", required=True, ref="periods", star=True),
        tonnes("quantity_t", "tonnes per period", required=True),
        per_t("shortfall_penalty_per_t", "cost per tonne not delivered (blank: settings value)"),
        per_t("price_per_t", "sale price: revenue under objective max_margin, reported otherwise"),
        Column("must_meet", "enum", "yes = no shortfall allowed: the plan must deliver quantity_t in full (no "
               "plan at all if it cannot)", default="no", allowed=YES_NO),
        Column("min_fill", "num", "contract v2: at least this share of quantity_t must be delivered, in every period "
               "the row covers and in every disruption scenario (no plan at all if it cannot)", default=0.0, lo=0,
               hi=1),
    ) + _free(), key=("market", "commodity", "end_use", "period")),
    Sheet("licences", "Rules that gate flows (export controls, transit bans, sanctions).", (
        Column("licence", "id", "rule id", required=True),
        Column("authority", "text", "label, e.g. CN-MOFCOM"),
        Column("applies_to", "enum", "which flows the rule matches", required=True, allowed=APPLIES_TO),
        Column("country", "text", "the country whose rule it is", required=True),
        Column("commodity", "list", "*, one commodity or a comma-separated list", default=STAR,
               ref="commodities", star=True),
        Column("destination_country", "list", "*, one country or a comma-separated list", default=STAR,
               star=True),
        Column("end_use", "text", "* or an end-use label such as defense", default=STAR),
        Column("scope", "enum", "route: destination_country and end_use are read on the route (v1); chain "
               "(contract v2): at the end of the chain, the market the tonnes or the products made from them are "
               "finally delivered to, and the rule gates every route of the chain it matches", default="route",
               allowed=("route", "chain")),
        Column("rule", "enum", "prohibited: no such flow; required: needs a held licence", required=True,
               allowed=RULES),
        Column("granted", "enum", "a required licence that is not granted acts as prohibited", default="yes",
               allowed=YES_NO),
        money("application_cost", "paid each time the licence is applied for", default=0.0),
        Column("validity_periods", "int", "periods one licence covers (longer than the horizon: the whole "
               "horizon)", default=1, unit="periods", lo=1),
        Column("lead_periods", "int", "periods between applying and the first covered period", default=0,
               unit="periods", lo=0),
        tonnes("quota_t", "tonnes one licence may cover over its validity (blank = none)"),
    ) + _free(), required=False, key=("licence",), id_column="licence"),
    Sheet("policies", "Sourcing policies on the tonnes each market receives over the horizon.", (
        Column("policy", "id", "policy id", required=True),
        Column("market", "ref", "market node, or * for each market separately", required=True, ref="nodes",
               star=True),
        Column("commodity", "ref", "commodity, or * for every commodity the market demands", default=STAR,
               ref="commodities", star=True),
        Column("measure", "enum", "what the share is measured on", required=True, allowed=MEASURES),
        Column("value", "text", "corridor label / country / route id (blank for max_active_routes)"),
        Column("max_share", "num", "upper bound on the share", lo=0, hi=1),
        Column("min_share", "num", "lower bound on the share", lo=0, hi=1),
        Column("max_count", "int", "max_active_routes: how many routes may deliver (1 = single sourcing)",
               lo=0),
        Column("active", "enum", "no = the row is switched off (kept for scenarios)", default="yes",
               allowed=YES_NO),
    ) + _free(), required=False, key=("policy",), id_column="policy"),
)

SHEETS = SHEETS + (
    Sheet("investments", "Capacity the model may decide to build (optional, contract v2): whole units decided per "
          "period, in service from lead_periods later to the end of the horizon; rows on one target add up, rows "
          "sharing an exclusive_group are alternatives (at most one of them is ever built).", (
              Column("investment", "id", "investment id", required=True),
              Column("target_type", "enum", "what the units add capacity to", required=True,
                     allowed=INVESTMENT_TARGETS),
              Column("target", "text", "leg id, site id (a sites row's site), storage node or supplying node",
                     required=True),
              Column("commodity", "ref", "storage and supply targets: which row (blank when the node has one)",
                     ref="commodities"),
              Column("input_commodity", "ref", "site targets: which process (blank when the site has one row)",
                     ref="commodities"),
              tonnes("capacity_t", "capacity one unit adds, in the target's own unit: t per period for legs, "
                     "sites (input) and supply; t of stock for storage", required=True),
              Column("max_units", "int", "whole units that may be built over the horizon", default=1, lo=0,
                     hi=10_000),
              money("capex", "per unit, paid in the period the unit is decided (discounted with its year); in a "
                    "cyclic horizon the cost of one cycle", default=0.0),
              money("fixed_cost_per_year", "per unit and year in service, paid per period as days/365 of it",
                    default=0.0),
              Column("lead_periods", "int", "periods from the decision to the first period a unit can be used "
                     "(0 in a cyclic horizon)", default=0, unit="periods", lo=0, hi=100_000),
              Column("earliest_period", "ref", "first period in which a unit may be decided (blank: the first "
                     "period)", ref="periods"),
              Column("payer", "text", "who pays, for reporting (e.g. JP-JBIC)"),
              Column("exclusive_group", "text", "rows sharing a value are alternatives: at most one is built"),
          ) + _free(), required=False, key=("investment",), id_column="investment"),
)

SHEETS = SHEETS + (
    Sheet("site_products", "Co-products and reagents of a process (optional, contract v2): every tonne of input "
          "processed makes the sites row's output at its yield and, at the same time, each co-product at its own "
          "yield, and consumes each reagent at the site node.", (
              Column("site", "ref", "a site of the sites sheet", required=True, ref="nodes"),
              Column("input_commodity", "ref", "which of the site's processes (its sites row with this input; blank "
                     "when the site has one row)", ref="commodities"),
              Column("commodity", "ref", "what the process also makes (yield > 0) or consumes (yield < 0)",
                     required=True, ref="commodities"),
              Column("yield", "num", "tonnes of commodity per tonne of input processed: > 0 a co-product made with "
                     "the sites row's output; < 0 a reagent consumed at the site node, which must reach it (supply "
                     "there or routes into it); not 0", required=True, unit="t/t", lo=-MAX_YIELD, hi=MAX_YIELD,
                     ceiling=True),
          ) + _free(), required=False, key=("site", "input_commodity", "commodity")),
)

SHEETS = SHEETS + (
    Sheet("charges", "Tariffs, taxes, fees (costs per tonne), subsidies and premiums (money received per tonne) "
          "(optional, contract v2); each kind is its own cost line, reported per charge and per payer.", (
              Column("charge", "id", "charge id", required=True),
              Column("kind", "enum", "tariff, tax or fee: a cost per tonne; subsidy or premium: money received per "
                     "tonne, which lowers cost", required=True, allowed=CHARGE_KINDS),
              Column("target_type", "enum", "route, corridor, leg (tonnes dispatched on it; a leg counts them in the "
                     "period they enter it), site (tonnes of input processed), market (tonnes delivered to it)",
                     required=True, allowed=CHARGE_TARGETS),
              Column("target", "text", "route / leg / site / market id, corridor label, or * for every target of the "
                     "type", required=True),
              Column("commodity", "list", "*, one commodity or a comma-separated list (site charges: the input)",
                     default=STAR, ref="commodities", star=True),
              Column("processing_country", "text", "* or a country: only tonnes processed there (or made from tonnes "
                     "processed there) count; site charges: the country of the site processing them", default=STAR),
              Column("period", "ref", "a period id, or * for every period (give month or period, or neither: every "
                     "period)", ref="periods", star=True),
              Column("month", "int", "calendar month 1..12 or *, instead of period", lo=1, hi=12, star=True),
              per_t("per_t", "money per tonne", required=True),
              money("budget", "subsidies and premiums: the most paid over the horizon, nominal (blank: no cap); tonnes "
                    "beyond it get nothing"),
              Column("payer", "text", "who pays or receives, for reporting (e.g. JP-GOV)"),
          ) + _free(), required=False, key=("charge",), id_column="charge"),
)

SHEETS = SHEETS + (
    Sheet("disruptions", "Disruption scenarios (optional): several rows with the same `scenario` make one "
          "scenario; the base scenario (no disruption) takes the probability left over. With this sheet, "
          "route activation, site opening and licence applications are decided once for all scenarios and the "
          "flows per scenario (see docs/security.md).", (
              Column("scenario", "text", "scenario name (not 'base')", required=True),
              Column("probability", "num", "probability of the scenario, 0..1; give it on at least one of its "
                     "rows (rows that repeat it must agree); all scenarios together at most 1", lo=0, hi=1),
              Column("target_type", "enum", "what is disrupted; country = every leg and site in it",
                     required=True, allowed=DISRUPTION_TARGETS),
              Column("target", "text", "leg / route / site / supplying node / licence id, corridor label or "
                     "country code", required=True),
              Column("month", "int", "calendar month 1..12 or * (blank month and period: every period)",
                     lo=1, hi=12, star=True),
              Column("period", "ref", "a period id, or * for every period (instead of month)", ref="periods",
                     star=True),
              Column("capacity_factor", "num", "0..1 multiplies capacity in the scenario, 0 = closed",
                     default=0.0, lo=0, hi=1),
              Column("cost_factor", "num", "multiplies the cost in the scenario (e.g. a detour)", default=1.0,
                     lo=0, hi=MAX_FACTOR, ceiling=True),
              Column("granted", "enum", "licence targets: no = the licence is refused (for the whole horizon, or "
                     "revoked in the month/period given); yes = granted (a prohibited rule is lifted)",
                     allowed=YES_NO),
          ) + _free(), required=False),
)

SHEETS = SHEETS + (
    Sheet("scenarios", "Planning-study scenarios (optional; `corridor study`, see docs/studies.md): each row edits one "
          "column of the rows a key selects, in a copy of this workbook; several rows with the same `scenario` "
          "make one scenario, applied in sheet order; `sheet = include` first applies another scenario (named "
          "in `value`). The base run is the workbook as it is.", (
              Column("scenario", "text", "scenario name (not 'base'); also names its solution workbook",
                     required=True),
              Column("sheet", "text", "the sheet to edit (settings, supply, sites, legs, routes, seasonality, "
                     "storage, demand, licences, policies, disruptions ...), or include", required=True),
              Column("key", "text", "which rows: * = every row; the row's id (legs: the leg id; settings: the "
                     "setting name); the values of the sheet's key columns separated by commas (demand: market, "
                     "commodity, end_use, period; a part may be *; trailing parts may be left out); or "
                     "column=value terms separated by commas (country=RU); a * inside a part matches any text "
                     "(JP-US-NO-CN* = every id that starts so)"),
              Column("column", "text", "the column to change (not the id column)"),
              Column("value", "text", "the new value (blank = the column's default); for numbers also x1.2 or "
                     "1.2x (multiply), +100 or -100 (add), +30% or -50% (change by a percentage); format the "
                     "column as Text so that Excel keeps +100 as typed; include rows: the scenario to include"),
              Column("description", "text", "what the scenario asks (any one row of it; shown in the comparison)"),
              Column("compare_per_year", "num", "a reference figure the scenario's cost change per year is set "
                     "beside in the comparison (e.g. a subsidy); any one row of the scenario", unit="currency/yr"),
          ) + _free(), required=False),
)

SHEET = {s.name: s for s in SHEETS}

# Which sheet declares the ids that a ``ref`` column points to.
ID_SHEETS = {s.name: s.id_column for s in SHEETS if s.id_column}
