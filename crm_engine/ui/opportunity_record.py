"""One sales opportunity as a record page (O1–O5, O10), built on the kit.

Header: the customer's name and the summary; the state as a path of the engine's state machine
(unassigned → assigned → development succeeded | development failed); the actions the engine
lists (`crm.opportunities.actions`), those not allowed now disabled with the engine's reason;
sections: details, development plan, products, history, related records. Each action calls
one verb and shows its confirmation or refusal beside the buttons.
"""
from __future__ import annotations

import solara

from ..errors import CRMError, InvalidInput
from ..statemachine import machine
from . import kit

PLAN_COLUMNS = [kit.Column("step_no", "ui.opportunities.step_no"),
                kit.Column("planned_date", "field.step_date", kind="date"),
                kit.Column("action", "field.step_action"),
                kit.Column("result", "field.step_result"),
                kit.Column("result_date", "ui.opportunities.result_date", kind="date", priority=2),
                kit.Column("status", "field.status")]
LINE_COLUMNS = [kit.Column("product_code", "field.product"),
                kit.Column("product_name", "ui.opportunities.product_name", priority=2),
                kit.Column("quantity", "field.quantity"),
                kit.Column("unit_price", "field.unit_price", kind="money", priority=2),
                kit.Column("discount", "field.discount", priority=3),
                kit.Column("amount", "ui.opportunities.line_amount", kind="money")]
HISTORY_COLUMNS = [kit.Column("on_date", "field.on_date", kind="date"),
                   kit.Column("action", "ui.sales.action"),
                   kit.Column("from_state", "ui.sales.from_state", kind="state", of="opportunity", priority=2),
                   kit.Column("to_state", "ui.sales.to_state", kind="state", of="opportunity"),
                   kit.Column("user_name", "ui.sales.by_user"),
                   kit.Column("note", "field.notes", priority=3)]


def managers(crm) -> tuple:
    """(name, username) of the active account managers: whom an opportunity can be assigned to."""
    users = crm.admin.users()
    return tuple((r.name, r.username) for r in users[users["role"] == "account_manager"].itertuples())


def options(crm, kind: str) -> tuple:
    return tuple(crm.dictionary.choices(kind))


def read(crm, opportunity_id: int) -> dict:
    """Everything the page shows, in one go (one click = one read of these queries)."""
    area = crm.opportunities
    opp = area.get(opportunity_id)
    plan = area.plan(opportunity_id)
    history = area.history(opportunity_id)
    return {"opp": opp, "actions": area.actions(opportunity_id), "simulated": crm.simulation.present(),
            "managers": managers(crm), "stages": options(crm, "opportunity_stage"),
            "lost_reasons": options(crm, "lost_reason"),
            "plan": plan.assign(status=plan["status"].map(lambda s: crm.t(f"ui.opportunities.step_{s}"))),
            "lines": area.lines(opportunity_id),
            "history": history.assign(action=history["action"].map(lambda a: crm.t(f"action.opportunity.{a}")))}


def details(crm, opp) -> list:
    labels = kit.Labels.of(crm)
    pairs = [("field.customer_name", opp.customer_name), ("field.opportunity_summary", opp.summary),
             ("field.status", labels.state("opportunity", opp.state)),
             ("field.opportunity_stage", labels.code("opportunity_stage", opp.stage) if opp.state == "assigned" else ""),
             ("field.probability", kit.percent(opp.probability, digits=0, fraction=False)),
             ("field.expected_amount", kit.money(opp.expected_amount)),
             # Until assigned the opportunity is only held by whoever recorded it: no owner to show.
             ("field.owner", labels.user(opp.owner_id) if opp.state == "assigned" else ""),
             ("ui.opportunities.assigned_on", kit.date(opp.assigned_on)),
             ("field.contact_name", opp.contact_name), ("field.contact_phone", opp.contact_phone),
             ("field.lead_source", labels.code("lead_source", opp.source)),
             ("ui.sales.created_on", kit.date(opp.created_on))]
    if opp.closed:
        pairs += [("ui.opportunities.closed_on", kit.date(opp.closed_on)), ("field.won_amount", kit.money(opp.won_amount)),
                  ("field.lost_reason", labels.code("lost_reason", opp.lost_reason)), ("field.notes", opp.close_note)]
    return pairs


def plan_actions(crm, opp, data) -> list:
    """assign, stage, plan, results, close, correct — each one verb, each with its confirmation."""
    t, area, oid = crm.t, crm.opportunities, opp.id
    why = data["actions"]
    open_steps = data["plan"][data["plan"]["result"].isna()]
    steps = tuple((f"{r.step_no}. {kit.date(r.planned_date)} — {r.action}", int(r.id)) for r in open_steps.itertuples())
    labels = kit.Labels.of(crm)
    assignees = data["managers"]
    names = dict((u, n) for n, u in assignees)

    def assign(v):
        if v.get("assignee") is None:  # nothing chosen yet: say so at the field (not "user None")
            raise InvalidInput("error.required", field="assignee")
        area.assign(oid, v.get("assignee"))
        return t("ui.opportunities.assigned", id=oid, user=names.get(v.get("assignee"), v.get("assignee")))

    def set_stage(v):
        done = area.set_stage(oid, v.get("opportunity_stage"), probability=kit.text_or_none(v.get("probability")))
        return t("ui.opportunities.stage_set", id=oid, stage=labels.code("opportunity_stage", done.stage),
                 probability=done.probability)

    def add_step(v):
        area.add_step(oid, v.get("step_date"), v.get("step_action") or "")
        return t("ui.opportunities.step_added", id=oid, date=v.get("step_date"))

    def record_result(v):
        step = v.get("step")
        if step is None:
            raise InvalidInput("error.required", field="step")
        done = area.record_result(step, v.get("step_result") or "", on_date=kit.text_or_none(v.get("on_date")))
        return t("ui.opportunities.result_recorded", id=oid, action=done.action)

    def ask(v):
        """A teaching scenario's prospect answers a due step; recording it stays the student's act."""
        if v.get("step") is None:
            raise InvalidInput("error.required", field="step")
        outcome = crm.simulation.outcome_of_step(oid, v["step"])
        return t("ui.opportunities.customer_answer", text=outcome.text)

    def succeed(v):
        done = area.succeed(oid, amount=kit.text_or_none(v.get("won_amount")), note=kit.text_or_none(v.get("notes")))
        return t("ui.opportunities.succeeded", id=oid, customer=done.customer_id, name=done.customer_name)

    def fail(v):
        done = area.fail(oid, v.get("lost_reason"), note=kit.text_or_none(v.get("notes")))
        return t("ui.opportunities.failed", id=oid, reason=labels.code("lost_reason", done.lost_reason))

    def update(v):
        changes = {k: kit.text_or_none(v.get(k)) for k in ("customer_name", "expected_amount", "probability",
                                                            "contact_name", "contact_phone")}
        area.update(oid, summary=v.get("opportunity_summary") or "", **changes)
        return t("ui.saved")

    stages = data["stages"]
    return [
        kit.Action("assign", t("ui.opportunities.assign"), assign, reason=why["assign"],
                   fields=(kit.Field("assignee", "select", options=assignees),)),
        kit.Action("set_stage", t("ui.opportunities.set_stage"), set_stage, reason=why["set_stage"], color="secondary",
                   fields=(kit.Field("opportunity_stage", "select", options=stages),
                           kit.Field("probability", placeholder=t("ui.opportunities.stage_default"))),
                   initial={"opportunity_stage": opp.stage}),
        kit.Action("add_step", t("ui.opportunities.add_step"), add_step, reason=why["add_step"],
                   fields=(kit.Field("step_date", "date"), kit.Field("step_action")),
                   initial={"step_date": crm.today().isoformat()}),
        kit.Action("record_result", t("ui.opportunities.record_result"), record_result, reason=why["record_result"],
                   fields=(kit.Field("step", "select", options=steps), kit.Field("step_result"),
                           kit.Field("on_date", "date", placeholder=t("ui.sales.default_today"))),
                   initial={"step": steps[0][1] if steps else None}),
        *([kit.Action("ask_customer", t("ui.opportunities.ask_customer"), ask, reason=why["record_result"],
                      color="info", fields=(kit.Field("step", "select", options=steps),),
                      initial={"step": steps[0][1] if steps else None})] if data["simulated"] else []),
        kit.Action("succeed", t("ui.opportunities.succeed"), succeed, reason=why["succeed"], color="success",
                   fields=(kit.Field("won_amount", placeholder=kit.money(opp.expected_amount)), kit.Field("notes"))),
        kit.Action("fail", t("ui.opportunities.fail"), fail, reason=why["fail"], color="error",
                   fields=(kit.Field("lost_reason", "select", options=data["lost_reasons"]),
                           kit.Field("notes"))),
        kit.Action("update", t("ui.opportunities.edit_heading"), update, reason=why["update"], color="secondary",
                   fields=(kit.Field("customer_name"), kit.Field("opportunity_summary", "textarea"),
                           kit.Field("expected_amount"), kit.Field("probability"),
                           kit.Field("contact_name"), kit.Field("contact_phone")),
                   initial={"customer_name": opp.customer_name, "opportunity_summary": opp.summary,
                            "expected_amount": str(opp.expected_amount), "probability": str(opp.probability),
                            "contact_name": opp.contact_name or "", "contact_phone": opp.contact_phone or ""}),
    ]


def line_actions(crm, opp, data) -> list:
    """Add a product line, remove one: both save the whole list with `set_lines` (O10)."""
    t, oid = crm.t, opp.id
    current = [{"product": line.product_code, "quantity": line.quantity, "unit_price": str(line.unit_price),
                "discount": str(line.discount)} for line in opp.lines]
    catalogue = crm.products.list()
    products = tuple((f"{r.code} · {r.name}", r.code) for r in catalogue.itertuples())
    numbered = tuple((f"{n + 1}. {line['product']} × {line['quantity']}", n) for n, line in enumerate(current))
    reason = data["actions"]["set_lines"]

    def add(v):
        line = {"product": v.get("product"), "quantity": kit.text_or_none(v.get("quantity")) or 1}
        if kit.text_or_none(v.get("discount")):
            line["discount"] = v["discount"].strip()
        crm.opportunities.set_lines(oid, [*current, line])
        return t("ui.opportunities.lines_saved", id=oid)

    def remove(v):
        chosen = v.get("line")
        crm.opportunities.set_lines(oid, [line for n, line in enumerate(current) if n != chosen])
        return t("ui.opportunities.lines_saved", id=oid)

    return [kit.Action("add_line", t("ui.opportunities.add_line"), add, reason=reason,
                       fields=(kit.Field("product", "select", options=products), kit.Field("quantity"),
                               kit.Field("discount", placeholder="0.1")),
                       initial={"product": products[0][1] if products else None, "quantity": "1"}),
            kit.Action("remove_line", t("ui.opportunities.remove_line"), remove,
                       reason=reason or (None if numbered else crm.t("ui.nothing_to_show")), color="warning",
                       fields=(kit.Field("line", "select", options=numbered, label_key="field.product"),),
                       initial={"line": numbered[0][1] if numbered else None})]


@solara.component
def OpportunityRecord(crm, opportunity_id: int, on_close=None):
    """The record page of one opportunity; it redraws after any change in the workspace."""
    data, problem = kit.use_record(crm, read, opportunity_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    opp = data["opp"]
    tabs = [
        (crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, opp))),
        (crm.t("ui.opportunities.plan_heading"), lambda: kit.StaticTable(crm, data["plan"], PLAN_COLUMNS, "plan")),
        (crm.t("ui.opportunities.products_heading"), lambda: ProductsTab(crm, opp, data)),
        (crm.t("ui.sales.history"), lambda: kit.StaticTable(crm, data["history"], HISTORY_COLUMNS, "history")),
        (crm.t("ui.kit.related"), lambda: kit.Facts(crm, related(crm, opp), ref="related")),
    ]
    return kit.RecordPage(crm, f"{kit.cap(crm.t('kind.opportunity'))} {opp.id} · {opp.customer_name}",
                          subtitle=kit.money(opp.expected_amount), path=kit.PathBar(crm, machine("opportunity"), opp.state),
                          actions=plan_actions(crm, opp, data), tabs=tabs, on_close=on_close)


@solara.component
def ProductsTab(crm, opp, data):
    with solara.Column(gap="6px") as box:
        kit.StaticTable(crm, data["lines"], LINE_COLUMNS, "lines")
        kit.ActionBar(crm, line_actions(crm, opp, data), ref="lines-actions")
    return box


def related(crm, opp) -> list:
    """The records it came from and led to: campaign, lead, customer."""
    pairs = [("field.campaign", opp.campaign_id), ("field.lead", opp.lead_id), ("field.customer", opp.customer_id)]
    if opp.customer_id is not None:
        try:
            pairs[-1] = ("field.customer", f"{opp.customer_id} · {crm.customers.get(opp.customer_id).name}")
        except CRMError:  # a customer out of this user's sight shows by its number only
            pass
    return pairs
