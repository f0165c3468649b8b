"""Run by test_live.py in a process of its own: Solara as `crm-lab serve` runs it (its server module
imported, so every `solara.reactive` is per page), two pages, each in its own kernel context, each
showing the workspace to another user. A change made on one page must redraw the other.
Prints one JSON line with what the second page showed before and after."""
import json

import solara
import solara.server.starlette  # noqa: F401 - what makes Solara keep values per page
from solara.server import kernel, kernel_context

from crm_engine import CRM
from crm_engine.ui import kit

crm = CRM.memory(today="2026-03-02")
crm.admin.add_user("zhang.wei", "Zhang Wei", role="supervisor")
crm.admin.add_user("li.ming", "Li Ming", role="account_manager")
crm.customers.add("Acme Ltd.", owner="li.ming")


@solara.component
def Counts(person):
    kit.use_workspace(person)
    solara.v.Html(tag="span", children=[f"{len(person.customers.list())} customers"]).meta(ref="count")


def page(kernel_id, username):
    context = kernel_context.VirtualKernelContext(id=kernel_id, session_id=kernel_id, kernel=kernel.Kernel())
    with context:
        box, rc = solara.render(Counts(crm.as_user(username, own_language="en")), handle_error=False)
    return context, rc


def shown(context, rc):
    with context:
        return rc.find(meta_ref="count").widget.children[0]


first, first_rc = page("page-1", "zhang.wei")
second, second_rc = page("page-2", "admin")
before = shown(second, second_rc)
with first:
    crm.as_user("zhang.wei").customers.add("Bluebird Trading", owner="li.ming")
    right_after = shown(first, first_rc)     # the page that clicked: redrawn before the click returns
assert kit.settle(), "the other pages' redraws did not finish"
after = shown(second, second_rc)
print(json.dumps({"before": before, "after": after, "clicked": right_after}))
