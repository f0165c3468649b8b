"""The crm-lab command line, through click's test runner."""
import pandas as pd
from click.testing import CliRunner

from crm_engine import CRM
from crm_engine.cli import main


def test_demo_info_import_export_backup_restore(tmp_path):
    runner = CliRunner()
    workspace = tmp_path / "ws" / "demo.duckdb"
    result = runner.invoke(main, ["demo", str(workspace), "--customers", "60", "--orders", "600"])
    assert result.exit_code == 0, result.output
    assert "(60 generated" in result.output
    again = runner.invoke(main, ["demo", str(workspace), "--if-missing"])
    assert again.exit_code == 0 and "already exists" in again.output
    refused = runner.invoke(main, ["demo", str(workspace)])
    assert refused.exit_code == 1 and "A file already exists" in refused.output and "Traceback" not in refused.output

    info = runner.invoke(main, ["info", str(workspace)])
    assert "Star Computer Distribution Co." in info.output and "Account manager: 4" in info.output

    source = tmp_path / "new.csv"
    source.write_bytes("公司名称,地区\n新客户甲,华东\n新客户乙,火星\n".encode("gbk"))
    rejected = tmp_path / "rejected.csv"
    imported = runner.invoke(main, ["import", str(workspace), "customers", str(source), "--as", "li.ming",
                                    "--map", "公司名称=name", "--map", "地区=region", "--rejected", str(rejected)])
    assert imported.exit_code == 0, imported.output
    assert "1 of 2 rows imported" in imported.output
    assert pd.read_csv(rejected, encoding="utf-8-sig")["line"].tolist() == [3]

    export = tmp_path / "mine.xlsx"
    exported = runner.invoke(main, ["export", str(workspace), "customers", str(export), "--as", "li.ming"])
    assert exported.exit_code == 0 and "新客户甲" in set(pd.read_excel(export)["name"])

    backup = tmp_path / "bk.duckdb"
    assert runner.invoke(main, ["backup", str(workspace), str(backup)]).exit_code == 0
    restored = runner.invoke(main, ["restore", str(workspace), str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output


def test_errors_are_one_clear_line(tmp_path):
    not_a_workspace = tmp_path / "x.duckdb"
    not_a_workspace.write_text("hello")
    result = CliRunner().invoke(main, ["info", str(not_a_workspace)])
    assert result.exit_code == 1
    assert "is not a CRM Lab workspace" in result.output and "Traceback" not in result.output


def test_new_makes_an_empty_workspace_and_info_shows_its_company(tmp_path):
    runner = CliRunner()
    path = str(tmp_path / "acme.duckdb")
    made = runner.invoke(main, ["new", path, "--company", "Acme 华东 Ltd.", "--today", "2026-03-02",
                                "--language", "zh_CN"])
    assert made.exit_code == 0, made.output
    assert "Acme 华东 Ltd." in made.output and "2026-03-02" in made.output
    with CRM.open(path, read_only=True) as crm:
        assert (crm.admin.settings()["company"], str(crm.today()), crm.admin.settings()["language"]) == (
            "Acme 华东 Ltd.", "2026-03-02", "zh_CN")
        assert crm.customers.count() == 0 and crm.admin.users()["username"].tolist() == ["admin"]
    shown = runner.invoke(main, ["info", path])
    assert shown.exit_code == 0 and shown.output.startswith("Acme 华东 Ltd. — scenario date 2026-03-02")
    plain = str(tmp_path / "lakeside.duckdb")
    assert runner.invoke(main, ["new", plain]).exit_code == 0
    assert runner.invoke(main, ["info", plain]).output.startswith("lakeside — ")   # named after its file


def test_new_refuses_bad_arguments_with_one_line_and_makes_nothing(tmp_path):
    runner = CliRunner()
    path = tmp_path / "x.duckdb"
    for args, says in ((["--today", "2026-02-30"], "'--today'"), (["--company", "   "], "not a company name"),
                       (["--company", "a\nb"], "not a company name"), (["--company", "x" * 201], "not a company name"),
                       (["--language", "fr"], "'--language'")):
        result = runner.invoke(main, ["new", str(path), *args])
        assert result.exit_code == 2 and says in result.output, result.output
        assert not path.exists()
    assert runner.invoke(main, ["new", str(path)]).exit_code == 0
    again = runner.invoke(main, ["new", str(path), "--company", "Other"])
    assert again.exit_code == 2 and "already exists" in again.output
    with CRM.open(path, read_only=True) as crm:
        assert crm.admin.settings()["company"] == "x"                   # the first one, untouched
