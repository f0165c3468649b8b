"""`crm-lab passwd` and `crm-lab logins …` (issue 23), through click's test runner."""
import pytest
from click.testing import CliRunner

from crm_engine import CRM
from crm_engine.cli import main

SECRET = "Quiet-Harbour-2026"


@pytest.fixture
def workspace(workspace_file):
    return str(workspace_file)


def _verify(path, username, password):
    with CRM.open(path, read_only=True) as crm:
        return crm.logins.verify(username, password)


def test_passwd_asks_twice_and_never_shows_the_password(workspace):
    result = CliRunner().invoke(main, ["passwd", workspace, "li.ming"], input=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert "Password set for li.ming." in result.output
    assert SECRET not in result.output
    assert _verify(workspace, "li.ming", SECRET) == "li.ming"


def test_passwd_refuses_two_different_answers_and_changes_nothing(workspace):
    result = CliRunner().invoke(main, ["passwd", workspace, "li.ming"], input=f"{SECRET}\n{SECRET}x\n")
    assert result.exit_code == 1 and "differ" in result.output and SECRET not in result.output
    assert _verify(workspace, "li.ming", SECRET) is None


def test_passwd_from_stdin_reads_one_line(workspace):
    result = CliRunner().invoke(main, ["passwd", workspace, "li.ming", "--stdin"], input=f"{SECRET}\r\nnext line\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert _verify(workspace, "li.ming", SECRET) == "li.ming"


@pytest.mark.parametrize("args, given, said", [
    (["li.ming", "--stdin"], "short\n", "8–128 characters"),
    (["nobody", "--stdin"], f"{SECRET}\n", "There is no user 'nobody'"),
    (["zhang.wei", "--stdin"], "zhang.wei\n", "may not be the username"),
])
def test_passwd_refusals_are_one_clean_line(workspace, args, given, said):
    result = CliRunner().invoke(main, ["passwd", workspace, *args], input=given)
    assert result.exit_code == 1 and said in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_logins_link_list_unlink_clear(workspace):
    runner = CliRunner()
    assert runner.invoke(main, ["passwd", workspace, "li.ming", "--stdin"], input=f"{SECRET}\n").exit_code == 0
    linked = runner.invoke(main, ["logins", "link", workspace, "jupyter-wang", "wang.fang"])
    assert linked.exit_code == 0 and "jupyter-wang now logs in as wang.fang" in linked.output
    again = runner.invoke(main, ["logins", "link", workspace, "jupyter-wang", "li.ming"])
    assert again.exit_code == 1 and "already linked to 'wang.fang'" in again.output

    listed = runner.invoke(main, ["logins", "list", workspace])
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[0]: line for line in listed.output.splitlines()[1:]}
    assert "jupyter-wang" in lines["wang.fang"] and "True" in lines["li.ming"]
    with CRM.open(workspace, read_only=True) as crm:
        assert crm.today().isoformat() in lines["li.ming"]
    assert "scrypt" not in listed.output

    assert runner.invoke(main, ["logins", "unlink", workspace, "jupyter-wang"]).exit_code == 0
    missing = runner.invoke(main, ["logins", "unlink", workspace, "jupyter-wang"])
    assert missing.exit_code == 1 and "not linked" in missing.output
    assert runner.invoke(main, ["logins", "clear", workspace, "li.ming"]).exit_code == 0
    assert _verify(workspace, "li.ming", SECRET) is None
    cleared = runner.invoke(main, ["logins", "clear", workspace, "li.ming"])
    assert cleared.exit_code == 1 and "no password to clear" in cleared.output


def test_refusals_come_in_the_workspaces_language(tmp_path):
    path = tmp_path / "zh.duckdb"
    CRM.create(path, language="zh_CN").close()
    result = CliRunner().invoke(main, ["passwd", str(path), "admin", "--stdin"], input="short\n")
    assert result.exit_code == 1 and "密码需要" in result.output
