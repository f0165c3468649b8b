"""Any plotly figure a student makes is visible in the exported HTML (nbgrader's autograded notebook and
feedback are HTML made by nbconvert), offline: the set-up cell of every assignment chooses the renderer, the
notebook keeps each figure as its JSON only, and the course's nbconvert setting (nbgrader_config.py) draws every
figure in the HTML with plotly.js embedded once — `px.bar` called directly included."""
from __future__ import annotations

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config.loader import PyFileConfigLoader

from .nbgrader_helpers import SOURCE, errors, execute

pytestmark = pytest.mark.slow   # a kernel and a workspace


def setup_cell(assignment: str) -> str:
    (path,) = sorted((SOURCE / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup")


@pytest.mark.parametrize("assignment", ["a5_analysis"])
def test_a_chart_made_with_plotly_express_is_in_the_html(tmp_path, assignment):
    nb = new_notebook(cells=[
        new_code_cell(setup_cell(assignment)),
        new_code_cell("import plotly.express as px\n"
                      "fig = px.bar(x=['A', 'B', 'C'], y=[3, 1, 2], title='Customers per level (mine)')\nfig"),
        new_code_cell("px.pie(names=['A', 'B', 'C'], values=[1, 2, 3], title='A second chart').show()"),
    ])
    execute(nb, tmp_path, "s001")
    assert errors(nb) == []
    course = PyFileConfigLoader("nbgrader_config.py", path=str(SOURCE.parent)).load_config()
    html, _ = HTMLExporter(config=course).from_notebook_node(nb)     # as generate_feedback builds it
    assert html.count('class="plotly-graph-div"') == 2
    assert "Customers per level (mine)" in html and "A second chart" in html
    # plotly.js itself is in the page, once, and nothing is fetched from a CDN
    assert html.count("plotly.js v") == 1 or html.count("Plotly=") >= 1
    assert 'src="https://cdn.plot.ly' not in html
    # the notebook a student hands in stays small: plotly.js is nowhere in it
    assert "plotly.js v" not in nbformat.writes(nb)
