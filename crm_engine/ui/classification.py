"""Classification views (C5): ABC grading with credit per grade, and saved customer segments.

Grading is a company act (directors, finance, the administrator — the engine
checks); what each user is shown of the ranking and of a segment's members is
limited to the customers they may see. Tags are put on one customer at a time in
the customer 360 (`customers.py`).
"""
from __future__ import annotations

import html
import json

import ipywidgets as widgets

from ..customers.classification import CODE_FILTERS, GRADES, NUMBER_FILTERS
from . import base
from .base import Form, PagedList, View

RANKING = ["rank", "customer_name", "abc", "revenue", "share", "cumulative_share"]


def _percent(value) -> str:
    return f"{float(value):.1%}"


class GradeForm(Form):
    """Preview the ABC ranking for a period, or grade every customer and set credit from the grade."""

    def __init__(self, crm, on_graded=None):
        self._on_graded = on_graded
        self.since = base.date_field(crm, "since")
        self.until = base.date_field(crm, "until")
        self.apply_credit = widgets.Checkbox(value=True, description=crm.t("ui.class.apply_credit"))
        self.preview = base.button(crm, "ui.class.preview")
        self.grade = base.button(crm, "ui.class.grade", "primary")
        self.ranking = widgets.HTML()
        self.rows = None
        self.preview.on_click(self._on_preview)
        self.grade.on_click(self._on_grade)
        super().__init__(crm, [widgets.HBox([self.row("since", self.since), self.row("until", self.until)]),
                               self.apply_credit, widgets.HBox([self.preview, self.grade]), self.ranking])

    def _on_preview(self, _button):
        ranking = self._attempt(self.crm.classification.abc, since=self.since.value, until=self.until.value)
        if ranking is not None:
            self.rows = ranking
            counts = ranking["abc"].value_counts()
            self.show_ok(self.t("ui.class.previewed", **{g: int(counts.get(g, 0)) for g in GRADES}))
            self.ranking.value = base.page_table(ranking.head(base.PAGE_SIZE), self.crm, RANKING, {
                "revenue": base.money, "share": _percent, "cumulative_share": _percent})

    def _on_grade(self, _button):
        result = self._attempt(self.crm.classification.grade, since=self.since.value, until=self.until.value,
                               apply_credit=self.apply_credit.value)
        if result is not None:
            self.show_ok(self.t("ui.class.graded", count=result.graded, since=base.day(result.period_start),
                                until=base.day(result.period_end), **result.counts))
            if self._on_graded:
                self._on_graded()


class SegmentForm(Form):
    """Describe customers by their card, grade, tags and silence; preview them or save the filter."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.name = base.text_field(crm, "name")
        self.codes = {name: base.choice_field(crm, name, kind) for name, kind in CODE_FILTERS.items()}
        self.abc = widgets.Dropdown(options=[("—", None), *[(g, g) for g in GRADES]], description=crm.t("field.abc"),
                                    style=base.WIDE)
        self.tags = widgets.Text(placeholder=crm.t("ui.class.tags_hint"), description=crm.t("field.tag"),
                                 style=base.WIDE)
        self.numbers = {name: base.text_field(crm, name) for name in NUMBER_FILTERS}
        self.preview = base.button(crm, "ui.class.preview")
        self.save = base.button(crm, "ui.class.save_segment", "primary")
        self.members = widgets.HTML()
        self.rows = None
        self.preview.on_click(self._on_preview)
        self.save.on_click(self._on_save)
        grid = [*[self.row(n, w) for n, w in self.codes.items()], self.row("abc", self.abc), self.row("tag", self.tags),
                *[self.row(n, w) for n, w in self.numbers.items()]]
        super().__init__(crm, [self.row("name", self.name),
                               widgets.GridBox(grid, layout=widgets.Layout(grid_template_columns="repeat(2, 30em)")),
                               widgets.HBox([self.preview, self.save]), self.members])

    def filters(self) -> dict:
        """The filters as typed: empty ones left out, numbers as text for the engine to check."""
        chosen = {name: w.value for name, w in self.codes.items() if w.value is not None}
        if self.abc.value is not None:
            chosen["abc"] = self.abc.value
        tags = [t.strip() for t in self.tags.value.split(",") if t.strip()]
        if tags:
            chosen["tags"] = tags
        chosen.update({name: w.value.strip() for name, w in self.numbers.items() if w.value.strip()})
        return chosen

    def _on_preview(self, _button):
        members = self._attempt(self.crm.classification.select, **self.filters())
        if members is not None:
            self.rows = members
            self.show_ok(self.t("ui.class.matching", count=len(members)))
            self.members.value = base.page_table(members.head(base.PAGE_SIZE), self.crm, MEMBERS, member_formats(
                self.crm))

    def _on_save(self, _button):
        segment = self._attempt(self.crm.classification.add_segment, self.name.value, **self.filters())
        if segment is not None:
            self.show_ok(self.t("ui.class.segment_saved", name=segment.name))
            if self._on_saved:
                self._on_saved(segment.id)


MEMBERS = ["id", "name", "owner_name", "level", "region", "abc", "credit", "last_order_date", "silent_days", "tags"]


def member_formats(crm) -> dict:
    label = crm.dictionary.label
    return {"level": lambda c: label("customer_level", c), "region": lambda c: label("region", c),
            "last_order_date": base.day}


class ClassificationView(View):
    """ABC grades (stored and previewed), the credit policy per grade, and saved segments."""

    def __init__(self, crm):
        self.segment_id = None
        self.grade_form = GradeForm(crm, on_graded=self.refresh)
        self.abc = widgets.Dropdown(options=[(crm.t("ui.care.all"), None), *[(g, g) for g in GRADES]],
                                    description=crm.t("field.abc"), style=base.WIDE)
        self.grades = PagedList(self, crm, crm.classification.grades,
                                ["rank", "customer_name", "abc", "revenue", "share", "credit", "credit_limit"],
                                count=crm.classification.grades_count, search=True,
                                sort=(("rank", False), ("customer_name", False)),
                                filters={"abc": self.abc}, id_column="customer_id",
                                formats={"revenue": base.money, "share": _percent, "credit_limit": base.money})
        self.policy = widgets.HTML()
        self.segment_form = SegmentForm(crm, on_saved=lambda _id: self.segments.refresh())
        self.segments = PagedList(self, crm, crm.classification.segments, ["id", "name", "owner_name", "filters",
                                                                          "created_on"],
                                  count=crm.classification.segments_count, search=True,
                                  sort=(("id", True), ("name", False)),
                                  formats={"created_on": base.day, "filters": _filters_text},
                                  describe=lambda r: f"{r.id} · {r.name}", on_open=self.open_segment)
        self.members = widgets.HTML()
        self.delete = base.button(crm, "ui.office.delete", "danger")
        self.delete.on_click(self._on_delete)
        self.segment = widgets.VBox([self.members, self.delete])
        self.tabs = widgets.Tab([
            widgets.VBox([self.grade_form, base.heading(crm, "ui.class.stored"), self.grades,
                          base.heading(crm, "ui.class.credit_policy"), self.policy]),
            widgets.VBox([self.segments, self.segment]), self.segment_form])
        for index, key in enumerate(("ui.class.abc", "ui.class.segments", "ui.class.new_segment")):
            self.tabs.set_title(index, crm.t(key))
        super().__init__(crm, [self.tabs])
        base.shown(self.segment, False)
        self.refresh()
        self.segments.refresh()

    def refresh(self) -> None:
        self.grades.refresh()
        policy = self._attempt(self.crm.classification.credit_policy)
        if policy is not None:
            self.policy.value = base.page_table(policy, self.crm, ["abc", "credit", "credit_limit"],
                                                {"credit_limit": base.money})

    def open_segment(self, segment_id: int):
        members = self._attempt(self.crm.classification.members, segment_id)
        if members is None:
            return
        self.segment_id = segment_id
        self.members.value = (f"<b>{html.escape(self.t('ui.class.matching', count=len(members)))}</b>"
                              + base.page_table(members.head(base.PAGE_SIZE), self.crm, MEMBERS,
                                                member_formats(self.crm)))
        base.shown(self.segment, True)

    def _on_delete(self, _button):
        self._attempt(self.crm.classification.delete_segment, self.segment_id)
        if not self.failed:
            self.show_ok(self.t("ui.class.segment_deleted"))
            base.shown(self.segment, False)
            self.segments.refresh()


def _filters_text(value) -> str:
    filters = json.loads(value) if isinstance(value, str) else value
    return "; ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in filters.items())
