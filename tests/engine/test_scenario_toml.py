"""Scenario files are written with tomli-w (issue 19): what the hand-written writer got wrong."""
import math
import tomllib

from crm_engine.scenario import builtin
from crm_engine.scenario.model import Scenario, toml_text


def test_infinity_is_written_as_infinity_not_nan():
    text = toml_text({"ceiling": math.inf, "floor": -math.inf})
    data = tomllib.loads(text)
    assert data == {"ceiling": math.inf, "floor": -math.inf}   # the old writer gave nan for both


def test_a_delete_character_makes_valid_toml_and_comes_back():
    text = toml_text({"note": "before\x7fafter", "tab": "a\tb\u0001"})
    assert tomllib.loads(text) == {"note": "before\x7fafter", "tab": "a\tb\u0001"}  # the old writer's TOML failed to parse


def test_chinese_keys_and_texts_stay_readable():
    text = toml_text({"区域": {"华东": 0.4, "西南": 0.6}, "title": {"zh_CN": "城市单车"}})
    assert "华东" in text and "城市单车" in text and "\\u" not in text  # the old writer wrote \u534e\u4e1c
    assert tomllib.loads(text) == {"区域": {"华东": 0.4, "西南": 0.6}, "title": {"zh_CN": "城市单车"}}


def test_every_builtin_scenario_round_trips_through_its_toml_file(tmp_path):
    for name in ("hardware_distributor", "vocational_school", "fmcg_wholesaler"):
        scenario = builtin(name)
        path = tmp_path / f"{name}.toml"
        scenario.to_toml(path)
        assert Scenario.from_toml(path) == scenario
    assert "\\u" not in builtin("fmcg_wholesaler").to_toml()
