"""The course (T2, T3): student workspaces, grading and rubrics, the instructor's steps.

What a notebook imports:

    from crm_engine.course import Course, Grader
"""
from .grading import Grader
from .workspaces import Course

__all__ = ["Course", "Grader"]
