"""The marketing story in a real JupyterLab, clicked and typed in headless Chromium.

In the CRM app at the end of notebooks/10_marketing.ipynb: the supervisor assigns the Lakeside
Hotel opportunity; the account manager plans two steps, records their results (the director
moves the scenario clock past the second step's date) and closes it as succeeded; the new
customer is in the customer list; the contribution chart draws; the menu speaks Chinese.
"""
import re

from tests.browser.conftest import ARTIFACTS, open_notebook, run_all

NOTEBOOK = "notebooks/10_marketing.ipynb"


class App:
    """Locators inside the app's output (the notebook's last code cell), visible widgets only."""

    def __init__(self, page):
        self.page = page
        self.root = page.locator(".jp-CodeCell").last.locator(".jp-OutputArea-output")

    def button(self, name: str):
        # By its text: an icon on the button (the clock's ⏩) would be part of its accessible name.
        return self.root.locator("button.jupyter-button", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).filter(
            visible=True).first

    def text(self, label: str):
        """The input of the visible text widget labelled exactly `label`."""
        return self.root.locator(".widget-text, .widget-textarea").filter(
            has=self.page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))).filter(
            visible=True).first.locator("input, textarea")

    def select(self, label: str):
        return self.root.locator(".widget-dropdown").filter(
            has=self.page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))).filter(
            visible=True).first.locator("select")

    def choose(self, label: str, containing: str) -> str:
        """Pick the option of dropdown `label` whose text contains `containing`; returns its text."""
        select = self.select(label)
        # ipywidgets writes option texts with non-breaking spaces; compare them as plain text.
        options = [o.replace("\xa0", " ") for o in select.evaluate("s => Array.from(s.options).map(o => o.text)")]
        index = next((i for i, o in enumerate(options) if containing in o), None)
        assert index is not None, f"no option with {containing!r} in {label!r}: {options}"
        select.select_option(index=index)
        return options[index]

    def menu(self, entry: str) -> None:
        self.root.locator(".crm-menu .v-chip", has_text=entry).first.click()
        self.settle()

    def settle(self) -> None:
        """Wait until the kernel has handled the last click (widget messages make it busy)."""
        self.page.wait_for_timeout(400)
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        self.page.wait_for_timeout(300)

    def login(self, who: str, username: str) -> None:
        """Log in as `who` and wait until the open module was rebuilt for them (it names its user
        in a DOM class), so the next click lands in their view, not in the one being replaced."""
        self.choose("Logged in as", who)
        self.root.locator(f".crm-as-{username.replace('.', '_')}").first.wait_for(timeout=60_000)
        self.settle()

    def says(self, text: str, timeout: float = 20_000) -> None:
        self.root.locator(".crm-ok", has_text=text).filter(visible=True).first.wait_for(timeout=timeout)

    def open_opportunity(self, customer: str) -> None:
        """A click on its row in the list opens the record page (the kit's list, issue #20)."""
        self.root.locator("tr.crm-row", has_text=customer).filter(visible=True).first.click()
        self.settle()
        self.root.locator(".crm-record", has_text=customer).first.wait_for()

    def action(self, name: str):
        """The record page's button for engine action `name`."""
        return self.root.locator(f".crm-action-{name}").filter(visible=True).first

    def field(self, name: str):
        return self.root.locator(f".crm-field-{name}").filter(visible=True).first

    def pick(self, name: str, containing: str) -> None:
        """Choose in a kit select (a Vuetify menu, drawn in an overlay outside the output)."""
        self.field(name).click()
        self.page.locator(".v-overlay .v-list-item", has_text=containing).filter(visible=True).first.click()
        self.settle()

    def type(self, name: str, text: str) -> None:
        self.field(name).locator("input, textarea").first.fill(text)
        self.settle()

    def confirm(self) -> dict:
        """Press the open action form's Confirm; returns where the button was (the form closes on success)."""
        button = self.root.locator(".crm-action-form button", has_text="Confirm").filter(visible=True).first
        box = button.bounding_box()
        button.click()
        self.settle()
        return box

    def near(self, control: dict, kind: str, text: str, limit: float = 300) -> None:
        """The message `text` shows within `limit` px of the control (its bounding box) that caused it."""
        message = self.root.locator(f".crm-{kind}", has_text=text).filter(visible=True).first
        message.wait_for(timeout=20_000)
        a, b = control, message.bounding_box()
        gap = max(0, b["y"] - (a["y"] + a["height"]), a["y"] - (b["y"] + b["height"]))
        assert gap <= limit, (text, a, b)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"story_{name}.png"), full_page=False)


def test_marketing_story_in_jupyterlab(page, lab):
    open_notebook(page, lab, NOTEBOOK)
    app = App(page)
    run_all(page, NOTEBOOK)
    app.root.locator(".crm-menu .v-chip", has_text="Marketing management").first.wait_for(timeout=180_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0

    # 1. The supervisor assigns the opportunity: refused without a manager, then accepted.
    app.menu("Marketing management")
    app.login("Zhang Wei", "zhang.wei")
    app.open_opportunity("Lakeside Hotel")
    app.action("assign").click()
    app.settle()
    confirm = app.confirm()
    app.near(confirm, "error", "required")
    app.pick("assignee", "Li Ming")
    confirm = app.confirm()
    app.near(confirm, "ok", "assigned to Li Ming")
    assert "crm-path-current" in app.root.locator(".crm-path-step[data-state='assigned']").first.get_attribute("class")
    shot(page, "1_assigned")

    # 2. The account manager plans two steps and records the first result.
    app.login("Li Ming", "li.ming")
    app.open_opportunity("Lakeside Hotel")
    assert app.action("succeed").is_disabled()            # no result yet: the engine's reason is its title
    assert "no plan step" in app.root.locator(".crm-action:has(.crm-action-succeed)").filter(visible=True).first.get_attribute("title")
    for when, action in (("2026-03-02", "Call Zhou Min about the new wing"), ("2026-03-04", "Visit the hotel's GM")):
        app.action("add_step").click()
        app.settle()
        app.type("step_date", when)
        app.type("step_action", action)
        app.near(app.confirm(), "ok", f"Step planned for {when}")
    app.action("record_result").click()
    app.settle()
    app.pick("step", "Call Zhou Min")
    app.type("step_result", "Zhou Min confirmed the budget")
    app.near(app.confirm(), "ok", "Result recorded")
    app.action("record_result").click()
    app.settle()
    app.pick("step", "Visit the hotel")
    app.type("step_result", "Too early")
    app.near(app.confirm(), "error", "can be recorded from that day on")
    shot(page, "2_not_yet")

    # 3. The director moves the scenario clock past the second step.
    app.login("Dong Li", "dong.li")
    app.root.locator(".widget-inline-hbox input[type='number']").filter(visible=True).first.fill("2")
    app.button("Advance days").click()
    app.says("2026-03-04")

    # 4. The account manager records the second result and closes the opportunity as succeeded.
    app.login("Li Ming", "li.ming")
    app.open_opportunity("Lakeside Hotel")
    app.action("record_result").click()
    app.settle()
    app.pick("step", "Visit the hotel")
    app.type("step_result", "GM signed the order for 50 notebooks")
    app.near(app.confirm(), "ok", "Result recorded")
    app.action("succeed").click()
    app.settle()
    app.near(app.confirm(), "ok", "closed as development succeeded")
    current = app.root.locator(".crm-path-current").first
    assert "Development succeeded" in current.inner_text()
    current.scroll_into_view_if_needed()
    shot(page, "3_succeeded")

    # 4b. At a 735-px notebook pane nothing scrolls sideways: record page, list and board.
    page.set_viewport_size({"width": 1020, "height": 1000})
    page.wait_for_timeout(1500)  # (the toolbar's kernel indicator is hidden this narrow)
    pane = page.locator(".jp-NotebookPanel").first.bounding_box()["width"]
    assert pane <= 760, pane
    for name, selector in (("record", ".crm-record"), ("list", ".crm-kit-list"), ("board", ".crm-board")):
        if name == "list":
            app.root.locator(".crm-record button .mdi-close").first.click()
            page.wait_for_timeout(1500)  # (the toolbar's kernel indicator is hidden this narrow)
        if name == "board":
            app.root.locator(".crm-tabs .v-tab", has_text="Pipeline board").first.click()
            page.wait_for_timeout(1500)  # (the toolbar's kernel indicator is hidden this narrow)
        view = app.root.locator(selector).filter(visible=True).first
        view.wait_for()
        overflow = view.evaluate("el => el.scrollWidth - el.clientWidth")
        output = app.root.first.evaluate("el => el.scrollWidth - el.clientWidth")
        shot(page, f"narrow_{name}")
        assert overflow <= 1 and output <= 1, (name, overflow, output)
    page.set_viewport_size({"width": 1400, "height": 1000})
    app.settle()

    # 5. The new customer is in the customer list.
    app.menu("Customer management")
    search = app.root.locator(".crm-kit-list .v-text-field input").filter(visible=True).first  # the kit list's search
    search.fill("Lakeside")
    app.settle()
    row = app.root.locator("tr.crm-row", has_text="Lakeside Hotel").filter(visible=True).first
    row.wait_for()
    assert "Li Ming" in row.inner_text()
    shot(page, "4_customer_list")

    # 6. The contribution chart draws.
    app.menu("Statistics and reports")
    app.pick("report", "Customer contribution")      # the kit select (a Vuetify menu)
    chart = app.root.locator("svg.main-svg").first
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    assert app.root.locator(".gtitle", has_text="Customer contribution").count() >= 1
    shot(page, "5_contribution")

    # 7. In Chinese.
    app.root.locator(".widget-toggle-button", has_text="简体中文").first.click()
    app.root.locator(".crm-menu .v-chip", has_text="营销管理").first.wait_for()
    # the open module is rebuilt in Chinese too: the dashboard's labels and the chart's title
    app.root.locator(".gtitle", has_text="客户贡献分析").first.wait_for(timeout=60_000)
    app.settle()
    assert app.root.locator("label", has_text=re.compile("^报表$")).count() >= 1
    menu = app.root.locator(".crm-menu", has_text="营销管理").first.inner_text()
    for entry in ("营销管理", "销售线索与线索池", "市场活动", "客户管理", "统计报表"):
        assert entry in menu
    app.root.locator(".crm-menu", has_text="营销管理").first.scroll_into_view_if_needed()
    shot(page, "6_chinese")
    assert "Traceback" not in " ".join(app.root.all_inner_texts())
