"""Build step that makes the wheel the whole courseware (pyproject.toml holds everything else).

The course's authors keep the theory, notebooks, assignment sources and briefs, nbgrader_config.py and
the example jupyterhub_config.py at the top of the repository, where the client named them. A wheel
only carries what is inside the package, so this copies them into `crm_engine/courseware_files/` of
the build; `crm_engine.courseware` finds them there when CRM Lab runs from an installed wheel. An
editable install (`./crmlab.sh`) gets no copy: it reads the checkout itself.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# Keep in step with crm_engine/courseware.py's ITEMS (tests/test_wheel.py checks the wheel).
COURSEWARE = ("theory", "notebooks", "source", "assignments", "nbgrader_config.py", "jupyterhub_config.py")
GENERATED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc", "*.duckdb", "*.duckdb.wal",
                                   "*.duckdb.tmp", "*.crm", "*.crm.wal", "gradebook.db", "release", "submitted",
                                   "autograded", "feedback")


class build_py_with_courseware(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "crm_engine" / "courseware_files"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for item in COURSEWARE:
            source = here / item
            if source.is_dir():
                shutil.copytree(source, target / item, ignore=GENERATED)
            else:
                shutil.copy2(source, target / item)


setup(cmdclass={"build_py": build_py_with_courseware})
