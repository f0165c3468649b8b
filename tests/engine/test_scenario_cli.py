"""`crm-lab scenario …`: list, show, create, class, advance — through click's test runner."""
from click.testing import CliRunner

from crm_engine import CRM
from crm_engine.cli import main
from crm_engine.scenario import builtin


def test_list_show_create_advance(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(main, ["scenario", "list", "--language", "zh_CN"])
    assert listed.exit_code == 0 and "vocational_school" in listed.output and "新程职业技能培训学校" in listed.output
    shown = runner.invoke(main, ["scenario", "show", "fmcg_wholesaler", "--language", "en"])
    assert "Gao Peng" in shown.output
    path = tmp_path / "ws" / "s001.duckdb"
    made = runner.invoke(main, ["scenario", "create", "hardware_distributor", str(path), "--student", "s001",
                                "--customers", "80"])
    assert made.exit_code == 0, made.output
    assert "80 customers" in made.output and "variant of s001" in made.output
    moved = runner.invoke(main, ["scenario", "advance", str(path), "4"])
    assert moved.exit_code == 0 and "2026-03-02 → 2026-03-06" in moved.output
    with CRM.open(path, read_only=True) as crm:
        assert crm.simulation.info().student == "s001" and str(crm.today()) == "2026-03-06"
    refused = runner.invoke(main, ["scenario", "create", "no_such", str(tmp_path / "x.duckdb")])
    assert refused.exit_code == 1 and "no built-in scenario no_such" in refused.output
    assert "Traceback" not in refused.output


def test_a_class_from_a_gbk_roster_and_a_toml_scenario(tmp_path):
    runner = CliRunner()
    source = tmp_path / "shop.toml"
    builtin("vocational_school").scaled(60).to_toml(source)
    roster = tmp_path / "class.csv"
    roster.write_bytes("学号,姓名\n2026001,王小明\n2026002,李华\n".encode("gbk"))
    made = runner.invoke(main, ["scenario", "class", str(source), str(roster), str(tmp_path / "out")])
    assert made.exit_code == 0, made.output
    assert "2 workspaces created, 0 kept" in made.output
    again = runner.invoke(main, ["scenario", "class", str(source), str(roster), str(tmp_path / "out")])
    assert "0 workspaces created, 2 kept" in again.output
    names = []
    for student in ("2026001", "2026002"):
        with CRM.open(tmp_path / "out" / f"{student}.duckdb", read_only=True) as crm:
            assert crm.language == "zh_CN" and crm.simulation.info().student == student
            names.append(set(crm.sql("SELECT name FROM customers")["name"]))
    assert names[0] != names[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("student\n../evil\n", encoding="utf-8")
    refused = runner.invoke(main, ["scenario", "class", str(source), str(bad), str(tmp_path / "out")])
    assert refused.exit_code == 1 and "cannot be a file name" in refused.output
