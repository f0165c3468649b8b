"""nbgrader configuration of the CRM Lab course (docs/course.md).

Run nbgrader from this folder (the course root), or use `crm-lab course …`. On a JupyterHub
the exchange and the course root are set per deployment: see jupyterhub_config.py and
docs/jupyterhub.md (a copy of this file with `Exchange.root` and `CourseDirectory.root`).
"""
c = get_config()  # noqa: F821 — provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "crm-lab"

# The exchange (where students fetch releases and submit) is set per course root by
# `crm-lab course init [ROOT]`, which writes the `Exchange.root` setting at the end of this file:
# ROOT/exchange on a laptop, or `--exchange /srv/nbgrader/exchange` for a hub's shared folder.
# Without it nbgrader would use /usr/local/share/nbgrader/exchange; `crm-lab course release` refuses.

# Workspaces an instructor makes while running a notebook inside source/ or release/ end in
# .duckdb: they are never released, never collected, never copied over a student's file at
# autograde. Students' workspaces end in .crm and travel with their submissions.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "*.duckdb*", "*.crm.tmp*",
    "*.waiting",  # a process waiting for its turn on a workspace (crm_engine/turns.py)
]
# Feedback is the HTML report: no need to copy each student's workspace into feedback/ as well.
c.GenerateFeedbackApp.CourseDirectory.ignore = c.CourseDirectory.ignore + ["*.crm", "*.crm.wal"]

# A student's workspace is 1.3–2 MB (docs/performance.md); nbgrader's default limit (100 MB) leaves room, say so explicitly.
c.CourseDirectory.max_file_size = 100_000  # kilobytes

# A solution cell the student may leave empty (they used the form) must not stop *Run All*:
# the stub is a comment, not `raise NotImplementedError()`.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE (or use the form above) / 在此写代码(或使用上面的表单)"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE / 在此作答"

# Cells move the scenario clock (a month of a company in the capstone): give them time.
c.Execute.timeout = 300
c.Execute.startup_timeout = 120

# Hidden tests: the strict checks and the integrity gate. Students never see them.
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# Feedback HTML draws the plotly figures, plotly.js in the page once: a saved notebook holds only each
# figure's JSON (crm_engine/ui/chart_export.py), so submissions stay small.
c.HTMLExporter.preprocessors = ["crm_engine.ui.chart_export.PlotlyToHTML"]
