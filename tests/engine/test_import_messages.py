"""What an import says when it cannot go ahead. Customers without an owner column go to the importing user:
the admin cannot own customers, and the rejected rows say so and how to fix it (not "'' cannot be given
customers by you"). A mapping onto a column the file already has is refused, naming the field."""
import pandas as pd
import pytest

from crm_engine import InvalidInput

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
        "admin 不能拥有客户：请加上 `--as 用户名`，或在文件中加一列 `owner`（客户经理的用户名）"]


def test_an_owner_who_may_not_be_given_customers_is_still_named(crm):
    report = crm.as_user("li.ming").imports.customers(pd.DataFrame({"name": ["New Gamma"], "owner": ["liu.yang"]}))
    assert report.rejected["reason"].tolist() == ["'liu.yang' cannot be given customers by you"]


def test_a_mapping_onto_a_column_the_file_has_is_refused(crm):
    rows = pd.DataFrame({"name": ["New Delta"], "公司名称": ["New Epsilon"]})
    before = crm.customers.count()
    with pytest.raises(InvalidInput) as refused:
        crm.as_user("li.ming").imports.customers(rows, mapping={"公司名称": "name"})
    assert str(refused.value) == ("After the mapping, two columns are called name: the file already has a column "
                                  "of that name; map only one of them.")
    assert crm.customers.count() == before
