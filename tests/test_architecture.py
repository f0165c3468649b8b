"""Promises about the code base itself."""
import ast
import pathlib
import subprocess
import sys

from crm_engine import i18n

ENGINE = pathlib.Path(__file__).parents[1] / "crm_engine"
UI_PACKAGES = {"ipywidgets", "IPython", "plotly"}


def test_the_engine_never_imports_the_ui_stack():
    """`ui → facade → domain → db`: nothing outside crm_engine/ui imports widgets, IPython or plotly."""
    offenders = []
    for path in ENGINE.rglob("*.py"):
        if "ui" in path.relative_to(ENGINE).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in UI_PACKAGES for n in names):
                offenders.append(f"{path.name}: {names}")
    assert offenders == []


def test_importing_the_engine_loads_no_ui_stack():
    code = "import sys, crm_engine; crm_engine.CRM.memory().customers.list(); " \
           "print(sorted(m for m in sys.modules if m.split('.')[0] in {'ipywidgets', 'IPython', 'plotly'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_message_exists_in_both_languages():
    missing = [key for key, entry in i18n.catalog().items()
               if not str(entry.get("en", "")).strip() or not str(entry.get("zh_CN", "")).strip()]
    assert missing == []


def test_every_message_key_used_in_the_engine_is_in_the_catalogue():
    """String literals that look like message keys, passed to errors or translate(), must exist."""
    catalogue = i18n.catalog()
    used = set()
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in {"NotFound", "InvalidInput", "Conflict", "NotAllowed", "TransitionNotAllowed",
                            "WorkspaceError", "WorkspaceLocked", "ImportAborted", "CRMError", "translate", "t"}:
                    used.add(node.args[0].value)
    assert sorted(k for k in used if k not in catalogue) == []


def test_placeholders_match_between_languages():
    import string
    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}
    mismatched = [k for k, e in i18n.catalog().items() if fields(e["en"]) != fields(e["zh_CN"])]
    assert mismatched == []
