"""The exclusion check (phb.spending.rules) against the default rules file and a labelled corpus."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phb.spending import CATEGORIES, ExclusionRule, RuleSet, StatementLine, check_line, load_rules, normalise_descriptor
from phb.spending.check import load_default_rules

CORPUS = Path(__file__).parents[2] / "data" / "exclusions_corpus.csv"
DAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_default_rules()


def debit(description: str, mcc: str | None = None, amount: str = "-20.00") -> StatementLine:
    return StatementLine(DAY, description, Decimal(amount), mcc)


# ---------------------------------------------------------------------------------------------------------------
# Each category is flagged, with a reason a person can read
# ---------------------------------------------------------------------------------------------------------------

FLAGGED = [
    # (description, mcc, category, words the reason must contain)
    ("WILLIAMHILL.COM", "7995", "gambling", "MCC 7995 betting, including lottery tickets, casino gaming chips"),
    ("CARD PAYMENT TO WILLIAM HILL 1234 ON 12-03", None, "gambling", "payee matches 'WILLIAM HILL'"),
    ("PAYPAL *BET365", None, "gambling", "payee matches 'BET365'"),
    ("DD BARCLAYCARD", None, "debt_repayment", "payee matches 'BARCLAYCARD'"),
    ("KLARNA*ASOS.COM", "5691", "debt_repayment", "buy now pay later"),
    ("DIRECT DEBIT PAYMENT TO TESCO BANK REF 4929XXXX1234, MANDATE NO 0012", None, "debt_repayment", "TESCO BANK"),
    ("VIS SMOKERS CORNER LEEDS", "5993", "tobacco", "MCC 5993 cigar shops and stands"),
    ("VPZ VAPE SHOP", None, "tobacco", "vape"),
    ("MAJESTIC WINE", "5921", "alcohol", "MCC 5921 package shops"),
    ("KEYSTORE OFF LICENCE", None, "alcohol", "payee matches 'OFF LICENCE'"),
    ("THE RED LION", "5813", "alcohol", "MCC 5813 drinking places"),
    ("FASTGAS UK", None, "illegal", "nitrous oxide"),
    ("PARKSIDE SURGERY", None, "gp_services", "payee matches 'SURGERY'"),
    ("ABBEY MEDICAL PRACTICE CD 1234", None, "gp_services", "GP practice"),
    ("BOOTS FLU VACCINATION", None, "public_health", "vaccination"),
    ("MASTA TRAVEL CLINIC", None, "public_health", "payee matches 'MASTA'"),
    ("PRIVATE AMBULANCE SERVICE LTD", "4119", "urgent_emergency", "MCC 4119 ambulance services"),
    ("MINOR INJURIES UNIT", None, "urgent_emergency", "urgent or emergency care"),
    ("SPIRE HEALTHCARE", "8062", "surgery", "MCC 8062 hospitals"),
    ("NUFFIELD HEALTH BRIGHTON HOSPITAL", None, "surgery", "private hospital"),
    ("MYA COSMETIC SURGERY", None, "surgery", "surgical procedure"),
    ("DD NHSBSA PPC", None, "nhs_charges", "prescription"),
    ("MYDENTIST", "8021", "nhs_charges", "MCC 8021 dentists and orthodontists"),
]


@pytest.mark.parametrize(("description", "mcc", "category", "reason"), FLAGGED)
def test_each_category_is_flagged_with_a_reason(rules, description, mcc, category, reason):
    flag = check_line(debit(description, mcc), rules)
    assert flag is not None
    assert flag.category == category
    assert reason in flag.reason
    assert flag.rule_version == rules.version == "2026-11-23.1"


def test_the_default_rules_cover_every_category(rules):
    assert {rule.category for rule in rules.rules} == set(CATEGORIES)
    flagged = {category for _, _, category, _ in FLAGGED}
    assert flagged == set(CATEGORIES)


def test_mcc_rules_win_over_descriptor_rules(rules):
    flag = check_line(debit("WILLIAM HILL", "5921"), rules)
    assert flag is not None
    assert (flag.category, flag.rule_id) == ("alcohol", "mcc-5921-off-licences")


def test_an_unless_clause_cancels_an_mcc_rule(rules):
    assert check_line(debit("ROYAL FREE HOSPITAL CAR PARK", "8062"), rules) is None


def test_an_unknown_mcc_falls_through_to_descriptors(rules):
    flag = check_line(debit("BET365", "5999"), rules)
    assert flag is not None
    assert flag.rule_id == "gambling-bookmakers"


# ---------------------------------------------------------------------------------------------------------------
# Ordinary spending that merely looks similar is not flagged
# ---------------------------------------------------------------------------------------------------------------

NEAR_MISSES = [
    ("BETTER LEISURE CENTRE", "7997"),
    ("BETTERWARE UK LTD", None),
    ("GAMBLE AND SONS BUILDERS", None),
    ("CORAL REEF WATERWORLD", "7996"),
    ("LADBROKE GROVE PHARMACY", "5912"),
    ("WILLIAM HILLS PHYSIOTHERAPY", None),
    ("SKY DIGITAL", None),
    ("TOTE BAGS DIRECT", None),
    ("TREE SURGERY LTD", None),
    ("A1 TREE SURGEONS", None),
    ("PARK VETERINARY SURGERY", None),
    ("SURGERY SUPPLIES LTD", "5047"),
    ("SURGICAL SUPPLIES LTD", None),
    ("THE PHONE SURGERY", None),
    ("ST JOHN AMBULANCE FIRST AID COURSE", "8299"),
    ("ST JOHN AMBULANCE FIRST AID COURSE", "4119"),
    ("AIR AMBULANCE CHARITY SHOP", None),
    ("EMERGENCY PLUMBER 24HR", None),
    ("NUFFIELD HEALTH", "7997"),
    ("NUFFIELD HEALTH FITNESS", None),
    ("TOBACCO DOCK LONDON", None),
    ("TOBACCO FACTORY THEATRES", None),
    ("MAJESTIC CINEMA", None),
    ("TESCO STORES 2231", "5411"),
    ("SAINSBURY'S S/MKT", "5411"),
    ("TV LICENCE MBP", None),
    ("RED CROSS WHEELCHAIR LOAN", None),
    ("DD HALIFAX HOME INSURANCE", None),
    ("VETS4PETS VACCINATION", None),
    ("UCHECK BACKGROUND SCREENING", None),
    ("GLASSES DIRECT PRESCRIPTION GLASSES", None),
    ("FPO J SMITH WAGES 100000012345678 12/03/26", None),
    ("HMRC CUMBERNAULD PAYE", None),
    ("MARK BATES LTD", None),
    ("BRITISH GAS", None),
]


@pytest.mark.parametrize(("description", "mcc"), NEAR_MISSES)
def test_near_misses_are_not_flagged(rules, description, mcc):
    assert check_line(debit(description, mcc), rules) is None


# ---------------------------------------------------------------------------------------------------------------
# Credits are never flagged
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("description", "mcc"), [(d, m) for d, m, _, _ in FLAGGED])
@pytest.mark.parametrize("amount", ["0.00", "0", "0.01", "120.00"])
def test_credits_are_never_flagged(rules, description, mcc, amount):
    assert check_line(debit(description, mcc, amount), rules) is None


EXCLUDED_WORDS = ["WILLIAM HILL", "BET365", "BARCLAYCARD", "KLARNA", "VAPE", "OFF LICENCE", "SURGERY", "AMBULANCE"]


@given(
    prefix=st.sampled_from(["", "CARD PAYMENT TO ", "DD ", "SO ", "VIS ", "FPI ", "BGC "]),
    payee=st.one_of(st.sampled_from(EXCLUDED_WORDS), st.text(max_size=40)),
    amount=st.decimals(min_value=0, max_value=10**7, allow_nan=False, allow_infinity=False, places=2),
    mcc=st.one_of(
        st.none(),
        st.sampled_from(["7995", "5993", "5921", "5813", "8062", "8021", "4119"]),
        st.from_regex(r"\A\d{4}\Z"),
    ),
)
def test_no_credit_is_ever_flagged(prefix, payee, amount, mcc):
    line = StatementLine(DAY, prefix + payee, amount, mcc)
    assert check_line(line, load_default_rules()) is None


# ---------------------------------------------------------------------------------------------------------------
# Descriptor normalisation
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "payee", "payment_type"),
    [
        ("CARD PAYMENT TO TESCO STORES 2231 ON 12-03", "TESCO STORES", "CARD"),
        ("CARD PAYMENT TO SAINSBURY'S S/MKT,12.50 GBP, RATE 1.00/GBP ON 12-03-2026", "SAINSBURYS S MKT", "CARD"),
        ("POS 4829 12MAR26 C , WILLIAM HILL , LEEDS GB", "WILLIAM HILL LEEDS GB", "CARD"),
        ("TESCO STORES 2231 CD 1234", "TESCO STORES", None),
        ("BET365.COM ON 20 JAN BCC", "BET365.COM", "CARD"),
        ("))) COSTA COFFEE YORK", "COSTA COFFEE YORK", "CARD"),
        ("DD BARCLAYCARD", "BARCLAYCARD", "DD"),
        ("BARCLAYCARD DD", "BARCLAYCARD", "DD"),
        ("DIRECT DEBIT PAYMENT TO VANQUIS BANK REF 4929XXXXXXXX1234, MANDATE NO 0012", "VANQUIS BANK", "DD"),
        ("STANDING ORDER TO LOWELL FINANCIAL REF 123456", "LOWELL FINANCIAL", "SO"),
        ("FPO J SMITH WAGES 100000012345678 12/03/26", "J SMITH WAGES", "TRANSFER"),
        ("Contactless payment 888 CASINO", "888 CASINO", "CARD"),
        ("VIS ST. JOHN AMBULANCE", "ST JOHN AMBULANCE", "CARD"),
    ],
)
def test_bank_boilerplate_is_removed(description, payee, payment_type):
    descriptor = normalise_descriptor(description)
    assert (descriptor.payee, descriptor.payment_type) == (payee, payment_type)


def test_direct_debits_keep_their_type_for_debt_rules():
    assert normalise_descriptor("Direct debit TESCO BANK").match_text == "DD TESCO BANK"
    assert normalise_descriptor("VIS TESCO BANK").match_text == "TESCO BANK"


# ---------------------------------------------------------------------------------------------------------------
# Loading and validating a rules file
# ---------------------------------------------------------------------------------------------------------------


def rules_file(*tables: str) -> str:
    return 'version = "test.1"\n' + "\n".join(f"[[rule]]\n{table}" for table in tables)


GOOD = 'id = "bet"\ncategory = "gambling"\nkind = "descriptor"\npattern = "BET365"\nreason = "bookmaker"\n'


def test_load_rules_reads_a_small_file():
    loaded = load_rules(rules_file(GOOD, 'id = "bets"\ncategory = "gambling"\nkind = "mcc"\npattern = "7995"\n'))
    assert loaded.version == "test.1"
    assert [rule.id for rule in loaded.rules] == ["bet", "bets"]
    assert loaded.rules[1].reason.startswith("MCC 7995 betting")


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (GOOD.replace("gambling", "gaming"), "rule 'bet': unknown category 'gaming'"),
        (GOOD.replace('"BET365"', '"BET(365"'), "rule 'bet': bad regular expression 'BET(365'"),
        (GOOD + "unless = ['[unclosed']\n", "rule 'bet': bad regular expression '[unclosed'"),
        (GOOD.replace('"descriptor"', '"payee"'), "rule 'bet': unknown kind 'payee'"),
        (GOOD.replace('reason = "bookmaker"\n', ""), "rule 'bet': a descriptor rule needs a reason"),
        (GOOD + 'unles = ["X"]\n', "rule 'bet': unknown key(s) unles"),
        (GOOD.replace('"descriptor"', '"mcc"').replace('"BET365"', '"799"'), "rule 'bet': MCC pattern '799'"),
        (GOOD.replace('"descriptor"', '"mcc"').replace('"BET365"', '"0001"'), "rule 'bet': MCC 0001 is not in"),
    ],
)
def test_load_rules_names_the_rule_and_the_problem(table, problem):
    with pytest.raises(ValueError, match="^" + re.escape(problem)):
        load_rules(rules_file(table))


def test_load_rules_rejects_a_duplicate_id():
    with pytest.raises(ValueError, match=r"^rule 'bet': duplicate id$"):
        load_rules(rules_file(GOOD, GOOD))


@pytest.mark.parametrize(
    ("text", "problem"),
    [("version = ", "not valid TOML"), ("[[rule]]\n" + GOOD, "needs a non-empty string 'version'")],
)
def test_load_rules_rejects_a_broken_file(text, problem):
    with pytest.raises(ValueError, match=problem):
        load_rules(text)


def test_every_flag_carries_the_rule_version():
    custom = RuleSet("local-7", (ExclusionRule("x", "illegal", "descriptor", "ACME KNIVES", "weapons"),))
    flag = check_line(debit("CARD PAYMENT TO ACME KNIVES ON 01-02"), custom)
    assert flag is not None
    assert (flag.rule_id, flag.rule_version, flag.reason) == ("x", "local-7", "payee matches 'ACME KNIVES' — weapons")


# ---------------------------------------------------------------------------------------------------------------
# The labelled corpus: precision and recall
# ---------------------------------------------------------------------------------------------------------------


def test_corpus_precision_and_recall(rules):
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    with CORPUS.open(newline="", encoding="utf-8") as corpus:
        rows = list(csv.DictReader(corpus))
    for row in rows:
        flag = check_line(debit(row["description"], row["mcc"] or None, row["amount"]), rules)
        got, expected = (flag.category if flag else ""), row["expected"]
        assert flag is None or flag.rule_version == rules.version
        if got and got == expected:
            tp[got] += 1
            continue
        fp[got] += bool(got)
        fn[expected] += bool(expected)
    precision = sum(tp.values()) / (sum(tp.values()) + sum(fp.values()))
    recall = sum(tp.values()) / (sum(tp.values()) + sum(fn.values()))
    per_category = ", ".join(
        f"{category} {tp[category] / (tp[category] + fn[category]):.2f}"
        for category in CATEGORIES
        if tp[category] + fn[category]
    )
    assert len(rows) >= 400
    assert precision >= 0.95, f"precision {precision:.3f}; per-category recall: {per_category}"
    assert recall >= 0.9, f"recall {recall:.3f}; per-category recall: {per_category}"


def test_corpus_labels_are_known_categories():
    with CORPUS.open(newline="", encoding="utf-8") as corpus:
        labels = {row["expected"] for row in csv.DictReader(corpus)}
    assert labels <= {"", *CATEGORIES}
    assert labels >= set(CATEGORIES)
