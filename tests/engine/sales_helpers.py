"""Helpers shared by the marketing-management tests (leads, opportunities, campaigns, targets)."""
import itertools

from crm_engine import CRM
from tests.conftest import fresh_company

# One user per role in the shared fixture company; li.ming is the rep who owns things,
# zhang.wei supervises him (East sales), chen.hua supervises West sales.
ACTOR = {"admin": "admin", "director": "dong.li", "supervisor": "zhang.wei", "account_manager": "li.ming",
         "service_staff": "sun.li", "marketing": "ma.lan", "finance": "cai.wu"}
ROLES = tuple(ACTOR)
SALES_TABLES = ("leads", "lead_followups", "opportunities", "opportunity_lines", "plan_steps", "assignments",
                "campaigns", "targets", "customers", "contacts", "interactions", "state_history", "audit")

_names = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test in the module uses (so nothing links to an earlier customer)."""
    return f"{prefix} {next(_names)}"


def company(cap: int = 10_000) -> CRM:
    crm = fresh_company()
    crm.admin.set_setting("lead_claim_cap", cap)
    return crm


def tables(crm, names=SALES_TABLES) -> dict:
    """Every row of the sales tables and the tables they touch: proof a refused action changed nothing."""
    db = crm._s.db
    return {t: sorted(map(repr, db.rows(f"SELECT * FROM {t}"))) for t in names}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def opportunity_in(crm, state: str, *, holder: str = "li.ming", open_step: bool = False) -> int:
    """An opportunity recorded by `holder` in `state`; assigned ones have one step with a result
    (and, with `open_step`, a second one due today without a result)."""
    rep = crm.as_user(holder)
    opp = rep.opportunities.add(unique("Prospect"), "Notebooks for the new office", expected_amount=100_000,
                                probability=20, contact_name="Zhou Min", contact_phone="0571-8888 1234")
    if state == "unassigned":
        return opp.id
    supervisor = "chen.hua" if holder == "liu.yang" else "zhang.wei"
    crm.as_user(supervisor).opportunities.assign(opp.id, holder)
    step = rep.opportunities.add_step(opp.id, crm.today(), "Call the buyer")
    rep.opportunities.record_result(step, "Buyer interested")
    if open_step:
        rep.opportunities.add_step(opp.id, crm.today(), "Send a quotation")
    if state == "succeeded":
        rep.opportunities.succeed(opp.id)
    elif state == "failed":
        rep.opportunities.fail(opp.id, "price")
    return opp.id


def lead_in(crm, state: str, *, owner: str = "li.ming") -> int:
    """A lead in `state`: from the pool (unassigned) or owned by `owner`."""
    if state == "unassigned":
        return crm.as_user("ma.lan").leads.add(unique("Caller"), company=unique("Pool Co"), source="website").id
    rep = crm.as_user(owner)
    lead = rep.leads.add(unique("Person"), company=unique("Lead Co"), phone="021-5555 0199", source="referral")
    if state in ("following", "converted"):
        rep.leads.follow_up(lead.id, "Called, wants a visit")
    if state == "converted":
        rep.leads.convert(lead.id)
    elif state == "invalid":
        rep.leads.mark_invalid(lead.id, "Number does not exist")
    elif state == "voided":
        rep.leads.void(lead.id, "Test entry")
    return lead.id
