"""Importing customers without an owner column gives them to the importing user: the admin cannot own
customers, and the rejected rows say so and how to fix it (not "'' cannot be given customers by you")."""
import pandas as pd

ROWS = pd.DataFrame({"name": ["New Alpha Ltd", "New Beta Ltd"], "owner": ["", "li.ming"]})


def test_rows_without_an_owner_name_the_admin_and_the_fix(crm):
    before = crm.customers.count()
    report = crm.imports.customers(ROWS.iloc[:1])
    assert (report.total, report.imported) == (1, 0)
    assert report.rejected["reason"].tolist() == ["admin cannot own customers: add `--as USER` or an owner column"]
    assert crm.customers.count() == before  # (the attempt itself is in the audit trail)


def test_in_chinese_too_and_rows_with_an_owner_still_go_in(crm):
    crm.set_language("zh_CN")
    report = crm.imports.customers(ROWS)
    assert (report.total, report.imported) == (2, 1)
    assert report.rejected["reason"].tolist() == [
        "admin 不能拥有客户：请加上 `--as 用户名`，或在文件中加一列 owner（客户经理的用户名）"]


def test_an_owner_who_may_not_be_given_customers_is_still_named(crm):
    report = crm.as_user("li.ming").imports.customers(pd.DataFrame({"name": ["New Gamma"], "owner": ["liu.yang"]}))
    assert report.rejected["reason"].tolist() == ["'liu.yang' cannot be given customers by you"]
