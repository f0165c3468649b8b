"""Plotly figures in exported HTML (nbconvert, nbgrader feedback, JupyterLab's *Export as HTML*),
offline, with plotly.js in the page once — while the saved notebook holds no plotly.js at all.

A figure in a notebook is only its JSON (`application/vnd.plotly.v1+json`, plotly's
`plotly_mimetype` renderer): JupyterLab and Notebook 7 draw it with the jupyterlab-plotly
extension, which brings its own plotly.js, so a saved notebook stays small (40_reports: ~0.3 MB
instead of ~5.2 MB with plotly.js embedded). nbconvert has no renderer for that JSON, so this
preprocessor, run on the exporter's copy of the notebook, gives each figure an HTML `<div>` and
embeds plotly.js in the first one only. It is switched on in one place per exporter:

- nbgrader feedback: `c.HTMLExporter.preprocessors` in the course's `nbgrader_config.py`;
- JupyterLab's *Export as HTML*: the same setting on the Jupyter server (`crmlab.sh start`);
- code and tests: `html_exporter()`.
"""
from __future__ import annotations

import plotly.io as pio
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

PLOTLY = "application/vnd.plotly.v1+json"
NAME = f"{__name__}.PlotlyToHTML"
# What plotly's own `notebook` renderer writes in front of the library; a notebook saved with the
# old set-up (plotly.js embedded in a cell) already has it, and must not get a second copy.
EMBEDDED = "* plotly.js v"


class PlotlyToHTML(Preprocessor):
    """Give every plotly figure output an HTML rendering; plotly.js goes into the first one."""

    def preprocess(self, nb, resources):
        embedded = any(EMBEDDED in str(output.get("data", {}).get("text/html", ""))
                       for cell in nb.cells for output in cell.get("outputs", []))
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if PLOTLY not in data or "text/html" in data:
                    continue
                spec = data[PLOTLY]
                data["text/html"] = pio.to_html(
                    {"data": spec.get("data", []), "layout": spec.get("layout", {})},
                    config={"displaylogo": False, **spec.get("config", {})}, include_plotlyjs=not embedded,
                    include_mathjax=False, full_html=False, default_width="100%", default_height=525,
                    validate=False)
                embedded = True
        return nb, resources


def config() -> Config:
    """nbconvert configuration that draws plotly figures in HTML exports."""
    c = Config()
    c.HTMLExporter.preprocessors = [NAME]
    return c


def html_exporter(**kwargs) -> HTMLExporter:
    """An `HTMLExporter` that shows the notebook's plotly figures, offline."""
    return HTMLExporter(config=config(), **kwargs)
