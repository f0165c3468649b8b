"""Every module's screen in a real JupyterLab (Debian's Chromium, offline), as the roles that work in it, in
English and Chinese, at 1400 px and at a 735-px notebook pane (issue #20):
- nothing raw shows: no `None`, `<NA>`, `nan`, field names or codes where a label belongs;
- nothing scrolls sideways;
- a click on a list's row opens the record, and the message after its first allowed action (accepted or
  refused) lies within 300 px of the control clicked;
- a change made in one cell appears in another cell's view without a refresh.
Screenshots go to test-artifacts/ (not in git).
"""
from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import ARTIFACTS, open_notebook, run_all

# module → who looks at it (the director sees everything; the others are the people whose job it is)
SCREENS = {
    "opportunities": ["zhang.wei", "li.ming"],
    "leads": ["zhang.wei", "li.ming"],
    "campaigns": ["ma.lan"],
    "customers": ["li.ming", "dong.li"],
    "churn": ["li.ming"],
    "service": ["zhang.wei", "sun.li"],
    "call_center": ["sun.li"],
    "orders_to_cash": ["li.ming", "cai.wu"],
    "reports": ["dong.li"],
    "office": ["li.ming"],
    "team": ["admin", "li.ming"],
    "admin": ["admin"],
}
# the screens that open with a list of records whose rows open the record
LISTS = {"opportunities", "leads", "campaigns", "customers", "churn", "service", "orders_to_cash"}
RAW = [re.compile(p) for p in (r"\bNone\b", r"<NA>", r"\bnan\b", r"\bNaT\b")]
IDENTIFIER = re.compile(r"(?<![\w.@/-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/-])")  # owner_name, start_date, trade_show …


def notebook(path, language: str) -> list[tuple[str, str]]:
    """A notebook showing every screen, one cell each; returns the (module, user) of each screen cell."""
    cells = [f"from crm_engine.scenario import demo\nfrom crm_engine.ui import show\n"
             f"crm = demo.create('screens-{language}.crm', language='{language}')\n"
             f"crm.set_language('{language}')"]
    shown = []
    for module, users in SCREENS.items():
        for user in users:
            cells.append(f"show(crm.as_user('{user}'), '{module}')")
            shown.append((module, user))
    # one cell's view follows an action done in another cell (the last two cells)
    cells.append("supervisor = crm.as_user('zhang.wei')\nshow(supervisor, 'opportunities')")
    cells.append("page = supervisor.opportunities.list(limit=10)\n"
                 "target = page[page.state == 'unassigned'].iloc[0]\n"
                 "supervisor.opportunities.assign(int(target.id), 'li.ming')\n"
                 "print('ASSIGNED', target.customer_name)")
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                     "source": text} for i, text in enumerate(cells)],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return shown


def codes() -> set[str]:
    """Every dictionary code and state code of the demo's kinds: none may show as text in Chinese."""
    from crm_engine import CRM, statemachine

    crm = CRM.memory()
    try:
        found = set(crm.sql("SELECT DISTINCT code FROM dictionary")["code"])
        crm.opportunities, crm.leads, crm.service, crm.churn, crm.contracts, crm.expenses, crm.campaigns
        for machine in statemachine.MACHINES.values():
            found |= set(machine.states)
    finally:
        crm.close()
    return {c for c in found if len(c) > 2}


def near_the_control(page, output, module: str, limit: float = 300) -> int:
    """Press the record page's first enabled action (and its form's Confirm, fields left as they are): the
    message that follows — accepted or refused — shows within `limit` px of what was clicked. 1 if checked."""
    buttons = output.locator(".crm-record .crm-actions button:not([disabled])").filter(visible=True)
    if buttons.count() == 0:
        return 0
    control = buttons.first
    box = control.bounding_box()          # where the clicked control is (an accepted form closes)
    control.click()
    page.wait_for_timeout(1500)
    form = output.locator(".crm-action-form").filter(visible=True)
    if form.count():
        control = form.first.locator("button").filter(has_text=re.compile(r"^\s*(Confirm|确认)")).first
        box = control.bounding_box()
        control.click()
        page.wait_for_timeout(1500)
    message = output.locator(".crm-message").filter(visible=True).first
    message.wait_for(timeout=20_000)
    shown = message.bounding_box()
    gap = max(0, shown["y"] - (box["y"] + box["height"]), box["y"] - (shown["y"] + shown["height"]))
    assert gap <= limit, (module, message.inner_text(), box, shown)
    return 1


def raw_words(text: str, language: str, known: set[str]) -> list[str]:
    found = [m.group(0) for pattern in RAW for m in pattern.finditer(text)]
    found += IDENTIFIER.findall(text)
    if language == "zh_CN":
        found += [w for w in re.findall(r"(?<![\w.@/-])[a-z]{3,}(?![\w.@/-])", text) if w in known]
    return sorted(set(found))


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_screen_reads_clean_fits_and_opens_records(page, lab, language):
    path = f"notebooks/screens_{language}.ipynb"
    shown = notebook(lab["root"] / path, language)
    known = codes()
    open_notebook(page, lab, path)
    run_all(page, path, timeout=600_000)
    outputs = page.locator(".jp-CodeCell")
    problems = {}
    for width, label in ((1400, "wide"), (1020, "narrow")):  # 1020-px window = a ≤ 760-px notebook pane
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(1500)
        if label == "narrow":
            pane = page.locator(".jp-NotebookPanel").first.bounding_box()["width"]
            assert pane <= 760, pane
        for index, (module, user) in enumerate(shown, start=1):
            output = outputs.nth(index).locator(".jp-OutputArea-output").first
            output.scroll_into_view_if_needed()
            text = output.inner_text()
            assert text.strip(), (module, user, "shows nothing")
            assert "Traceback" not in text and "Error" not in text.split("\n")[0], (module, user, text[:500])
            if label == "wide":
                words = raw_words(text, language, known)
                if words:
                    problems[(module, user)] = words
            overflow = output.evaluate("el => el.scrollWidth - el.clientWidth")
            if overflow > 1:
                problems[(module, user, label)] = f"scrolls sideways by {overflow}px"
            ARTIFACTS.mkdir(exist_ok=True)
            output.screenshot(path=str(ARTIFACTS / f"screen_{language}_{label}_{module}_{user}.png"))
    report = "\n".join(f"{key}: {value}" for key, value in problems.items())
    (ARTIFACTS / f"screens_{language}_problems.txt").write_text(report or "none\n")
    assert problems == {}, report

    # a row click opens the record, in every list (the first screen cell of each module), and the
    # outcome of the first action the record page allows lies within 300 px of the control clicked
    page.set_viewport_size({"width": 1400, "height": 1000})
    checked = 0
    for index, (module, user) in enumerate(shown, start=1):
        if module not in LISTS or shown.index((module, user)) != index - 1:
            continue
        output = outputs.nth(index).locator(".jp-OutputArea-output").first
        row = output.locator("tr.crm-row").filter(visible=True).first
        row.wait_for(timeout=30_000)
        row.click()
        output.locator(".crm-record").first.wait_for(timeout=30_000)
        checked += near_the_control(page, output, module)
    assert checked >= 4, f"only {checked} record pages offered this user an action"

    # the list shown before the action (second to last cell) now says the opportunity is assigned
    assigned = outputs.last.locator(".jp-OutputArea-output").first.inner_text()
    customer = assigned.split("ASSIGNED", 1)[1].strip()
    watched = outputs.nth(outputs.count() - 2).locator("tr.crm-row", has_text=customer).first
    state = "Assigned" if language == "en" else "已指派"
    watched.filter(has_text=state).wait_for(timeout=5_000)
