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
        self.root.locator(".widget-toggle-button", has_text=entry).first.click()
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
        self.choose("Record", customer)
        self.button("Open").click()
        self.settle()
        self.root.locator(".crm-card", has_text=customer).first.wait_for()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"story_{name}.png"), full_page=False)


def test_marketing_story_in_jupyterlab(page, lab):
    open_notebook(page, lab, NOTEBOOK)
    app = App(page)
    run_all(page, NOTEBOOK)
    app.root.locator(".widget-toggle-button", has_text="Marketing management").first.wait_for(timeout=180_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0

    # 1. The supervisor assigns the opportunity.
    app.menu("Marketing management")
    app.login("Zhang Wei", "zhang.wei")
    app.open_opportunity("Lakeside Hotel")
    app.choose("Assign to", "Li Ming")
    app.button("Assign").click()
    app.says("assigned to Li Ming")
    app.root.locator(".crm-ok").first.scroll_into_view_if_needed()
    shot(page, "1_assigned")

    # 2. The account manager plans two steps and records the first result.
    app.login("Li Ming", "li.ming")
    app.open_opportunity("Lakeside Hotel")
    for when, action in (("2026-03-02", "Call Zhou Min about the new wing"), ("2026-03-04", "Visit the hotel's GM")):
        app.text("Planned date").fill(when)
        app.text("Planned action").fill(action)
        app.button("Add step").click()
        app.says(f"Step planned for {when}")
    app.choose("Plan step", "Call Zhou Min")
    app.text("Result").fill("Zhou Min confirmed the budget")
    app.button("Record result").click()
    app.says("Result recorded")
    app.choose("Plan step", "Visit the hotel")
    app.text("Result").fill("Too early")
    app.button("Record result").click()
    app.root.locator(".crm-error", has_text="can be recorded from that day on").first.wait_for()
    shot(page, "2_not_yet")

    # 3. The director moves the scenario clock past the second step.
    app.login("Dong Li", "dong.li")
    app.root.locator(".widget-inline-hbox input[type='number']").filter(visible=True).first.fill("2")
    app.button("Advance days").click()
    app.says("2026-03-04")

    # 4. The account manager records the second result and closes the opportunity as succeeded.
    app.login("Li Ming", "li.ming")
    app.open_opportunity("Lakeside Hotel")
    app.choose("Plan step", "Visit the hotel")
    app.text("Result").fill("GM signed the order for 50 notebooks")
    app.button("Record result").click()
    app.says("Result recorded")
    app.button("Development succeeded").click()
    app.says("closed as development succeeded")
    card = app.root.locator(".crm-card", has_text="Lakeside Hotel").first
    assert "Development succeeded" in card.inner_text()
    card.scroll_into_view_if_needed()
    shot(page, "3_succeeded")

    # 5. The new customer is in the customer list.
    app.menu("Customer management")
    search = app.root.locator("input[placeholder='Search name, phone, address']").first
    search.fill("Lakeside")
    search.press("Enter")
    row = app.root.locator("table tr", has_text="Lakeside Hotel").first
    row.wait_for()
    assert "Li Ming" in row.inner_text()
    shot(page, "4_customer_list")

    # 6. The contribution chart draws.
    app.menu("Statistics and reports")
    app.choose("Report", "Customer contribution")
    chart = app.root.locator("svg.main-svg").first
    chart.wait_for(timeout=60_000)
    chart.scroll_into_view_if_needed()
    assert app.root.locator(".gtitle", has_text="Customer contribution").count() >= 1
    shot(page, "5_contribution")

    # 7. In Chinese.
    app.root.locator(".widget-toggle-button", has_text="简体中文").first.click()
    app.root.locator(".widget-toggle-button", has_text="营销管理").first.wait_for()
    # the open module is rebuilt in Chinese too: the dashboard's labels and the chart's title
    app.root.locator(".gtitle", has_text="客户贡献分析").first.wait_for(timeout=60_000)
    app.settle()
    assert app.root.locator("label", has_text=re.compile("^报表$")).count() >= 1
    menu = app.root.locator(".widget-toggle-buttons", has_text="营销管理").first.inner_text()
    for entry in ("营销管理", "销售线索与线索池", "市场活动", "客户管理", "统计报表"):
        assert entry in menu
    app.root.locator(".widget-toggle-buttons", has_text="营销管理").first.scroll_into_view_if_needed()
    shot(page, "6_chinese")
    assert "Traceback" not in " ".join(app.root.all_inner_texts())
