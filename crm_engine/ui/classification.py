"""Classification (C5) on the kit: ABC grades with credit per grade, and saved customer segments.

    from crm_engine.ui.classification import ClassificationModule
    ClassificationModule(crm)        # also the "Classification" tab of show(crm, "customers")

Grading is a company act (directors, finance, the administrator — the engine checks and says
why not beside the button); what each user is shown of the ranking and of a segment's members
is limited to the customers they may see. Tags are put on one customer at a time on its record
page (`customer_record.py`).
"""
from __future__ import annotations

import json

import solara

from ..errors import CRMError
from . import kit

RANKING_COLUMNS = [kit.Column("rank", "ui.col.rank"), kit.Column("customer_name", "field.customer_name", width=40),
                   kit.Column("abc", "field.abc"), kit.Column("revenue", "ui.col.revenue", kind="money"),
                   kit.Column("share", "ui.col.share", kind="percent", priority=2),
                   kit.Column("cumulative_share", "ui.col.cumulative_share", kind="percent", priority=3)]
GRADE_COLUMNS = [kit.Column("rank", "ui.col.rank", sort="rank"),
                 kit.Column("customer_name", "field.customer_name", sort="customer_name", width=40),
                 kit.Column("abc", "field.abc"), kit.Column("revenue", "ui.col.revenue", kind="money"),
                 kit.Column("share", "ui.col.share", kind="percent", priority=3),
                 kit.Column("credit", "field.credit", priority=2),
                 kit.Column("credit_limit", "field.credit_limit", kind="money", priority=2)]
POLICY_COLUMNS = [kit.Column("abc", "field.abc"), kit.Column("credit", "field.credit"),
                  kit.Column("credit_limit", "field.credit_limit", kind="money")]
SEGMENT_COLUMNS = [kit.Column("id", "field.id", sort="id"), kit.Column("name", "field.name", sort="name", width=40),
                   kit.Column("owner_name", "field.owner", priority=2),
                   kit.Column("filters", "field.filters", priority=3, width=80),
                   kit.Column("created_on", "ui.col.created_on", kind="date", priority=2)]
MEMBER_COLUMNS = [kit.Column("id", "field.id"), kit.Column("name", "field.name", width=40),
                  kit.Column("level", "field.level", kind="code", of="customer_level", priority=2),
                  kit.Column("region", "field.region", kind="code", of="region", priority=3),
                  kit.Column("abc", "field.abc"), kit.Column("owner_name", "field.owner", priority=2),
                  kit.Column("silent_days", "ui.col.silent_days", priority=3),
                  kit.Column("tags", "ui.col.tags", priority=3)]
PREVIEW_ROWS = 10


def as_percent(frame, *columns):
    """Shares come as fractions (0.558); the kit's percent column shows a 0–100 number."""
    return frame.assign(**{c: frame[c] * 100 for c in columns}) if len(frame) else frame


def with_tags(frame):
    return frame.assign(tags=frame["tags"].map(lambda t: ", ".join(t) if isinstance(t, (list, tuple)) or
                                               hasattr(t, "tolist") else kit.blank(t))) if len(frame) else frame


def filters_text(crm, filters) -> str:
    """A segment's filters as people read them: "Customer level: Key account; Tag: VIP"."""
    filters = json.loads(filters) if isinstance(filters, str) else filters
    labels, codes, parts = kit.Labels.of(crm), crm.classification.CODE_FILTERS, []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if name in codes:
            values = [labels.code(codes[name], v) for v in values]
        elif name == "owner":
            values = [labels.user(v) for v in values]
        key = {"tags": "field.tag", "status": "field.status"}.get(name, f"field.{name}")
        parts.append(f"{crm.t(key)}: {', '.join(map(str, values))}")
    return "; ".join(parts)


def _segments(crm, **asked):
    frame = crm.classification.segments(**asked)
    return frame.assign(filters=frame["filters"].map(lambda f: filters_text(crm, f))) if len(frame) else frame


@solara.component
def Grading(crm, on_open=None):
    """Preview the ABC ranking for a period or grade every customer; the stored grades; the policy."""
    version, language = kit.use_workspace(crm)
    values, set_values = solara.use_state({"apply_credit": True})
    message, set_message = solara.use_state(None)
    preview, set_preview = solara.use_state(None)
    abc, set_abc = solara.use_state(None)
    grades = crm.classification.GRADES
    policy = solara.use_memo(lambda: crm.classification.credit_policy(), dependencies=[version, language])
    fields = (kit.Field("since", "date"), kit.Field("until", "date"),
              kit.Field("apply_credit", "select", label_key="ui.class.apply_credit",
                        options=((crm.t("ui.cust.yes"), True), (crm.t("ui.cust.no"), False))))
    period = {"since": kit.text_or_none(values.get("since")), "until": kit.text_or_none(values.get("until"))}

    def show_preview(ranking):
        set_preview(as_percent(ranking.head(PREVIEW_ROWS), "share", "cumulative_share"))
        counts = ranking["abc"].value_counts()
        return crm.t("ui.class.previewed", **{g: int(counts.get(g, 0)) for g in grades})

    def graded(result):
        set_preview(None)
        return crm.t("ui.class.graded", count=result.graded, since=kit.date(result.period_start),
                     until=kit.date(result.period_end), **result.counts)

    from solara.alias import rv
    with solara.Column(gap="6px") as box:
        with rv.Sheet(border=True, rounded=True, style_="padding:8px"):
            kit.FormFields(crm, fields, values, set_values,
                           invalid=message.field if message and not message.ok else None,
                           error_text=message.text if message and not message.ok else None)
            with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
                solara.Button(crm.t("ui.class.preview"), color="secondary", on_click=lambda: set_message(
                    kit.attempt(crm, lambda: crm.classification.abc(**period), ok=show_preview))
                ).meta(ref="grade-preview")
                solara.Button(crm.t("ui.class.grade"), color="primary", on_click=lambda: set_message(kit.attempt(
                    crm, lambda: crm.classification.grade(**period, apply_credit=bool(values.get("apply_credit"))),
                    ok=graded))).meta(ref="grade-run")
                kit.Feedback(message, ref="grade-message")
            if preview is not None:
                kit.StaticTable(crm, preview, RANKING_COLUMNS, "grade-ranking")
        solara.Text(crm.t("ui.class.stored"), style={"font-weight": "600"})
        kit.ChipRow([(crm.t("ui.sales.all"), None), *((g, g) for g in grades)], abc, set_abc, "grades-abc")
        kit.RecordList(crm, lambda **kw: as_percent(crm.classification.grades(**kw), "share"),
                       crm.classification.grades_count, GRADE_COLUMNS, on_open=on_open, filters={"abc": abc},
                       id_column="customer_id", ref="grades")
        solara.Text(crm.t("ui.class.credit_policy"), style={"font-weight": "600"})
        kit.StaticTable(crm, policy, POLICY_COLUMNS, "credit-policy")
    return box


def segment_filters(crm, values: dict) -> dict:
    """The filters as typed: empty ones left out, numbers as text for the engine to check."""
    area = crm.classification
    chosen = {name: values[name] for name in (*area.CODE_FILTERS, "abc") if values.get(name) is not None}
    tags = [t.strip() for t in (values.get("tag") or "").split(",") if t.strip()]
    if tags:
        chosen["tags"] = tags
    chosen.update({name: values[name].strip() for name in area.NUMBER_FILTERS if kit.text_or_none(values.get(name))})
    return chosen


@solara.component
def NewSegment(crm, on_saved=None):
    """Describe customers by card, grade, tags and silence; preview them, or save the filter."""
    kit.use_workspace(crm)
    values, set_values = solara.use_state({})
    message, set_message = solara.use_state(None)
    members, set_members = solara.use_state(None)
    area = crm.classification
    fields = (kit.Field("name", label_key="field.segment"),
              *(kit.Field(name, "select", options=tuple(crm.dictionary.choices(kind)))
                for name, kind in area.CODE_FILTERS.items()),
              kit.Field("abc", "select", options=tuple((g, g) for g in area.GRADES)),
              kit.Field("tag", placeholder=crm.t("ui.class.tags_hint")),
              *(kit.Field(name) for name in area.NUMBER_FILTERS))

    def previewed(found):
        set_members(with_tags(found.head(PREVIEW_ROWS)))
        return crm.t("ui.class.matching", count=len(found))

    def saved(segment):
        set_values({})
        set_members(None)
        if on_saved is not None:
            on_saved(segment.id)
        return crm.t("ui.class.segment_saved", name=segment.name)

    from solara.alias import rv
    with rv.Sheet(border=True, rounded=True, style_="padding:8px") as box:
        kit.FormFields(crm, fields, values, set_values,
                       invalid=message.field if message and not message.ok else None,
                       error_text=message.text if message and not message.ok else None)
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
            solara.Button(crm.t("ui.class.preview"), color="secondary", on_click=lambda: set_message(kit.attempt(
                crm, lambda: area.select(**segment_filters(crm, values)), ok=previewed))).meta(ref="segment-preview")
            solara.Button(crm.t("ui.class.save_segment"), color="primary", on_click=lambda: set_message(kit.attempt(
                crm, lambda: area.add_segment(values.get("name") or "", **segment_filters(crm, values)), ok=saved))
            ).meta(ref="segment-save")
            kit.Feedback(message, ref="segment-message")
        if members is not None:
            kit.StaticTable(crm, members, MEMBER_COLUMNS, "segment-members")
    return box


@solara.component
def SegmentRecord(crm, segment_id: int, on_close=None, on_open=None, on_deleted=None):
    """One saved segment: its filters, today's members (those you may see), delete."""
    version, language = kit.use_workspace(crm)

    def load():
        try:
            with crm.holding():
                segment = crm.classification.segment(segment_id)
                return (segment, with_tags(crm.classification.members(segment_id))), None
        except CRMError as error:
            return None, kit.failure(crm, error)

    data, problem = solara.use_memo(load, dependencies=[version, language, segment_id, crm.user.id])
    if data is None:
        with solara.Column() as box:
            kit.Feedback(problem, ref="segment-record-message")
            if on_close is not None:
                solara.Button(crm.t("ui.kit.back_to_list"), text=True, on_click=on_close
                              ).meta(ref="segment-record-close")
        return box
    segment, members = data

    def delete(_values):
        crm.classification.delete_segment(segment_id)
        done = crm.t("ui.class.segment_deleted")
        if on_deleted is not None:   # the page is gone with its segment: the list says it instead
            on_deleted(done)
        return done

    return kit.RecordPage(
        crm, f"{kit.cap(crm.t('field.segment'))} {segment.id} · {segment.name}",
        subtitle=crm.t("ui.class.matching", count=len(members)),
        actions=[kit.Action("delete", crm.t("ui.office.delete"), delete, color="error")],
        tabs=[(crm.t("ui.class.members"), lambda: kit.RecordList(
                  crm, lambda limit, offset, **_: members.iloc[offset:offset + limit],
                  lambda **_: len(members), MEMBER_COLUMNS, on_open=on_open, searchable=False,
                  ref="segment-members")),
              (crm.t("ui.kit.details"), lambda: kit.Facts(crm, [("field.filters", filters_text(crm, segment.filters)),
                                                                ("field.owner", kit.Labels.of(crm).user(segment.owner_id)),
                                                                ("ui.col.created_on", kit.date(segment.created_on))]))],
        on_close=on_close, ref="segment-record")


@solara.component
def ClassificationScreen(crm, on_open=None):
    """Tabs: ABC grades, segments (a row opens the segment), new segment. `on_open(customer_id)`
    opens a customer (a ranking row or a member row)."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    tab, set_tab = solara.use_state(0)
    notice, set_notice = solara.use_state(None)

    def opened(segment_id):
        set_notice(None)
        set_open_id(segment_id)
        set_tab(1)

    def deleted(text):
        set_open_id(None)
        set_notice(kit.Message("ok", text))

    def segments():
        with solara.Column(gap="4px") as box:
            if open_id is not None:
                SegmentRecord(crm, open_id, on_close=lambda: set_open_id(None), on_open=on_open, on_deleted=deleted)
            with solara.Div(style={"display": "none" if open_id is not None else "block"}):
                kit.Feedback(notice, ref="segments-message")
                kit.RecordList(crm, lambda **kw: _segments(crm, **kw), crm.classification.segments_count,
                               SEGMENT_COLUMNS, on_open=opened, ref="segments")
        return box

    return kit.Tabs([(crm.t("ui.class.abc"), lambda: Grading(crm, on_open=on_open)),
                     (crm.t("ui.class.segments"), segments),
                     (crm.t("ui.class.new_segment"), lambda: NewSegment(crm))],   # stays, with its confirmation
                    index=tab, on_index=set_tab, ref="classification-tabs")


class ClassificationModule(kit.KitView):
    """The classification screens as one widget (a cell, or `show(crm, "classification")` once the
    app lists it), with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        super().__init__(ClassificationScreen(crm), fallback=lambda: (
            kit.table_html(crm, as_percent(crm.classification.grades(limit=kit.listview.PAGE_SIZE), "share"),
                           GRADE_COLUMNS)))
