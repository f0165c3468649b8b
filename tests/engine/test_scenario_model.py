"""Teaching scenarios, the definition side: dataclasses, TOML, validation, built-ins, seeds, names."""
import dataclasses
import hashlib
import itertools

import numpy as np
import pytest

from crm_engine import InvalidInput
from crm_engine.names import normalise
from crm_engine.scenario import (
    Company,
    CustomerBase,
    Event,
    Person,
    Product,
    Scenario,
    Team,
    builtin,
    builtins,
    catalogue,
    texts,
    variant_seed,
)
from crm_engine.scenario.context import customer_names, person_names


def small_company(**changes):
    fields = dict(name={"en": "City Bikes", "zh_CN": "城市单车"},
                  teams=[Team("sales", "Sales")],
                  people=[Person("ann", "Ann Lee", "supervisor", team="sales"),
                          Person("bo", "Bo Chen", "account_manager", team="sales", line="bikes")],
                  products=[Product("BK-1", "City bike", price=1800, line="bikes")])
    fields.update(changes)
    return Company(**fields)


def test_a_scenario_is_frozen_plain_python_and_round_trips_through_plain_data():
    shop = Scenario(name="bike_shop", title="City Bikes", company=small_company(),
                    customers=CustomerBase(size=50, orders=400), seed=7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        shop.seed = 8
    assert isinstance(shop.company.people, tuple)            # lists given, tuples kept
    assert str(shop.today) == "2026-03-02"
    again = Scenario.from_dict(shop.to_dict())
    assert again == shop
    assert Scenario.from_dict(__import__("json").loads(shop.to_json())) == shop


def test_every_builtin_round_trips_and_is_listed(tmp_path):
    names = builtins()
    assert {"hardware_distributor", "vocational_school", "fmcg_wholesaler"} <= set(names)
    for name in names:
        scenario = builtin(name)
        assert scenario.name == name
        assert Scenario.from_dict(scenario.to_dict()) == scenario
        for language in scenario.languages:
            assert scenario.text(scenario.narrative, language).strip()
    assert builtin("fmcg_wholesaler").languages == ("zh_CN", "en")
    assert builtin("vocational_school").language == "zh_CN"
    assert builtin("hardware_distributor").language == "en"
    table = catalogue("zh_CN")
    assert list(table["name"]) == names and table["story"].str.len().min() > 100


def test_from_toml_reads_the_documented_shape(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text('''
name = "bike_shop"
title = { en = "City Bikes", zh_CN = "城市单车" }
seed = 3
today = "2026-05-01"
[company]
name = "City Bikes Ltd."
[[company.people]]
username = "bo"
name = "Bo Chen"
role = "account_manager"
[[company.products]]
code = "BK-1"
name = "City bike"
price = 1800
[customers]
size = 30
levels = { ordinary = 1 }
[[events]]
day = 3
kind = "complaints"
count = 2
''', encoding="utf-8")
    shop = Scenario.from_toml(path)
    assert shop.customers.size == 30 and shop.customers.levels == {"ordinary": 1.0}
    assert shop.events[0] == Event(day=3, kind="complaints", count=2)
    assert str(shop.today) == "2026-05-01"


@pytest.mark.parametrize("change, key", [
    (lambda d: d["customers"].update(sizes=3), "scenario.unknown_key"),
    (lambda d: d["customers"].update(levels={"ordinary": -1}), "scenario.bad_shares"),
    (lambda d: d["company"]["people"][0].update(role="admin"), "scenario.bad_role"),
    (lambda d: d["company"]["people"][0].update(team="nowhere"), "scenario.unknown_team"),
    (lambda d: d["company"]["products"].append(dict(d["company"]["products"][0])), "scenario.duplicate"),
    (lambda d: d["company"]["people"][1].update(role="marketing"), "scenario.no_reps"),
    (lambda d: d.update(events=[{"day": 1, "kind": "earthquake"}]), "scenario.bad_choice"),
    (lambda d: d.update(events=[{"day": 1, "kind": "price", "product": "NOPE", "price": 3}]),
     "scenario.unknown_product"),
    (lambda d: d["customers"].update(seasonality=[1, 2]), "scenario.bad_season"),
    (lambda d: d["company"]["products"][0].pop("price"), "scenario.missing"),
    (lambda d: d.update(student_user="nobody"), "scenario.unknown_user"),
])
def test_authoring_mistakes_are_refused_naming_the_field(change, key):
    data = Scenario(name="bike_shop", title="City Bikes", company=small_company()).to_dict()
    change(data)
    with pytest.raises(InvalidInput) as refused:
        Scenario.from_dict(data)
    assert refused.value.key == key
    assert refused.value.field == "scenario"
    assert "{" not in refused.value.message("en") and "{" not in refused.value.message("zh_CN")


def test_a_broken_toml_file_or_an_unknown_builtin_says_what_is_wrong(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        Scenario.from_toml(path)
    with pytest.raises(InvalidInput) as unknown:
        builtin("no_such_scenario")
    assert "没有名为 no_such_scenario 的内置情景" in unknown.value.message("zh_CN")


def test_variant_seeds_come_from_sha256_of_scenario_seed_and_student():
    expected = int.from_bytes(hashlib.sha256(b"crm-lab|2026|s001").digest()[:8], "big") >> 1
    assert variant_seed(2026, "s001") == expected
    assert variant_seed(2026, None) == 2026
    seeds = {variant_seed(2026, f"s{i:03d}") for i in range(300)}
    assert len(seeds) == 300 and variant_seed(2027, "s001") != expected


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_composed_names_normalise_part_by_part(language):
    """Names are normalised from their parts (fast); that must equal names.normalise of the whole."""
    for city, brand, trade in itertools.product(texts.CITIES[language][::3], texts.BRANDS[language][::2],
                                                texts.TRADES[language]):
        sep = " " if language == "en" else ""
        assert normalise(city + sep + brand + sep + trade + texts.SUFFIX[language]) == \
            normalise(city) + normalise(brand) + normalise(trade)
    rng = np.random.default_rng(1)
    for style in ("company", "person", "shop"):
        names, norms = customer_names(rng, 5000, language, style)
        assert [normalise(n) for n in names] == list(norms)
        assert len(set(norms)) == len(norms)           # distinct after normalisation: no false duplicates
    assert len(set(person_names(rng, 2000, language))) > 1000


def test_a_scenario_may_be_resized_and_reworded():
    shop = builtin("hardware_distributor")
    bigger = shop.scaled(4000)
    assert bigger.customers.size == 4000 and bigger.customers.orders == shop.customers.orders * 10
    assert shop.replace(language="zh_CN").text(shop.company.name) == "星辰电脑分销有限公司"
