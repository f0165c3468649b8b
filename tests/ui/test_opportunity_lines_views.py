"""O10 on screen: the new-opportunity form and the opportunity detail carry products."""
from decimal import Decimal

from crm_engine.ui.opportunities import OpportunityDetail, OpportunityForm
from tests.engine.sales_helpers import opportunity_in


def ok(view) -> str:
    assert not view.error_text, view.error_text
    return view.status.value


def test_a_new_opportunity_with_products_gets_its_amount_from_them(crm):
    rep = crm.as_user("li.ming")
    form = OpportunityForm(rep)
    form.customer_name.value, form.summary.value, form.probability.value = "Lakeside Hotel", "Notebooks", 30
    editor = form.line_editor
    assert [value for _, value in editor.product.options] == ["NB-14", "SRV-2U", "SUP-1Y"]
    editor.product.value, editor.quantity.value, editor.discount.value = "NB-14", 3, "0.1"
    editor.add_button.click()
    editor.product.value, editor.quantity.value = "SUP-1Y", 0
    editor.add_button.click()
    assert len(editor.chosen.options) == 2
    form.save.click()                                            # quantity 0: the engine refuses, nothing saved
    assert "quantity" in form.error_text and form.invalid_field == "quantity" and rep.opportunities.list().empty
    editor.chosen.value = 1
    editor.remove_button.click()
    assert editor.lines == [{"product": "NB-14", "quantity": 3, "discount": "0.1"}]
    form.save.click()
    assert "Lakeside Hotel" in ok(form) and editor.lines == [] and editor.chosen.options == ()
    opp = rep.opportunities.get(int(rep.opportunities.list()["id"].iloc[0]))
    assert opp.expected_amount == Decimal("13497.30") and [line.product_code for line in opp.lines] == ["NB-14"]


def test_the_detail_shows_and_changes_the_products_while_open(crm):
    opp_id = opportunity_in(crm, "assigned")
    rep = crm.as_user("li.ming")
    rep.opportunities.set_lines(opp_id, [{"product": "SRV-2U", "quantity": 1, "unit_price": 36000}])
    detail = OpportunityDetail(rep, opp_id)
    assert "SRV-2U" in detail.products.value and "36,000.00" in detail.products.value
    assert detail.lines_box.layout.display is None
    detail.line_editor.product.value, detail.line_editor.quantity.value = "NB-14", 2
    detail.line_editor.add_button.click()
    detail.lines_button.click()
    assert "products of sales opportunity" in ok(detail)
    assert "NB-14" in detail.products.value
    assert rep.opportunities.get(opp_id).expected_amount == Decimal("36000") + 2 * Decimal("4999")
    rep.opportunities.succeed(opp_id)
    detail.refresh()
    assert detail.lines_box.layout.display == "none" and "NB-14" in detail.products.value


def test_the_products_tab_in_chinese(crm):
    rep = crm.as_user("li.ming")
    rep.set_language("zh_CN")
    opp_id = opportunity_in(crm, "assigned")
    rep.opportunities.set_lines(opp_id, [{"product": "NB-14", "quantity": 1}])
    detail = OpportunityDetail(rep, opp_id)
    assert "产品明细" in detail.lines_box.children[0].value and "数量" in detail.products.value
