"""Import and export (A6): mapping, encodings, duplicate checks, rejected-row reports, all-or-nothing."""
import pandas as pd
import pytest

from crm_engine import CRM, ImportAborted, InvalidInput, NotAllowed
from tests.engine.helpers import snapshot

CHINESE_CSV = (
    "公司名称,电话,地区,客户等级,信用度\n"
    "杭州西湖电子有限公司,0571-8888 1234,华东,大客户,4\n"
    "成都天府食品,028-6666 0000,西南,普通客户,3\n"
    "杭州西湖电子,0571-0000 0000,华东,普通客户,2\n"      # duplicate of row 2 after normalising
    "重庆山城物流,023-1234 5678,火星,普通客户,5\n"         # unknown region
    "武汉光谷软件,027-1111 2222,华中,普通客户,9\n"         # rating out of range
)
MAPPING = {"公司名称": "name", "电话": "phone", "地区": "region", "客户等级": "level", "信用度": "credit"}


def test_gbk_chinese_csv_imports_with_a_report_of_rejected_rows(crm, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_bytes(CHINESE_CSV.encode("gbk"))
    rep = crm.as_user("li.ming")
    rep.set_language("zh_CN")
    report = rep.imports.customers(path, mapping=MAPPING)
    assert (report.total, report.imported) == (5, 2)
    assert report.rejected["line"].tolist() == [4, 5, 6]
    assert "重复" in report.rejected.loc[0, "reason"]
    assert "火星" in report.rejected.loc[1, "reason"]
    assert "9" in report.rejected.loc[2, "reason"]
    hangzhou = rep.customers.list(search="杭州").iloc[0]
    assert (hangzhou.level, hangzhou.region, hangzhou.credit) == ("key_account", "east", 4)
    assert hangzhou.owner_name == "Li Ming"
    assert crm.audit.list(action="import")["after"].iloc[-1] == '{"imported": 2, "rejected": 3, "rows": 5}'


def test_utf8_with_bom_and_duplicates_of_existing_customers(crm, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("name,phone\nSTAR TECH CO. LTD,010-1\nNew Horizon,010-5555 0000\n".encode("utf-8-sig"))
    report = crm.as_user("li.ming").imports.customers(path)
    assert report.imported == 1
    assert report.rejected.iloc[0].line == 2
    assert "already exists" in report.rejected.iloc[0].reason


def test_excel_import_with_owner_column(crm, tmp_path):
    path = tmp_path / "customers.xlsx"
    pd.DataFrame({"Company": ["Excel One", "Excel Two", "Excel Three"],
                  "Owner": ["wang.fang", "nobody", "liu.yang"]}).to_excel(path, index=False)
    report = crm.as_user("zhang.wei").imports.customers(path, mapping={"Company": "name", "Owner": "owner"})
    assert report.imported == 1
    assert crm.customers.list(search="Excel One").iloc[0].owner_name == "Wang Fang"
    reasons = report.rejected.set_index("line")["reason"]
    assert "no user 'nobody'" in reasons[3]
    assert "cannot be given customers by you" in reasons[4]  # Liu Yang is in the West team


@pytest.mark.parametrize("content, match", [
    (b"phone,region\n010-1,east\n", "lacks the columns name"),
    (b"\xff\xfe\x00\x00\x81\x30\x81\xff garbage", "not text in utf-32; pass its encoding as encoding="),
    (b"name\n\x81\x30\xff\xff\n", "could not be recognised .* encoding="),
])
def test_unusable_files_are_refused_whole(crm, tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = snapshot(crm)
    with pytest.raises(InvalidInput, match=match):
        crm.as_user("li.ming").imports.customers(path)
    assert snapshot(crm) == before


def test_an_aborted_import_leaves_nothing(crm, monkeypatch):
    monkeypatch.setattr("crm_engine.transfer.imports.CHUNK", 3)
    frame = pd.DataFrame({"name": [f"Bulk {i}" for i in range(10)]})
    seen = []
    before = snapshot(crm)
    with pytest.raises(ImportAborted, match="nothing was imported"):
        crm.as_user("li.ming").imports.customers(frame, progress=lambda done, total: seen.append(done) or done < 6)
    assert seen == [3, 6]
    assert snapshot(crm) == before
    report = crm.as_user("li.ming").imports.customers(frame, progress=lambda done, total: seen.append(done))
    assert report.imported == 10 and seen[-1] == 10


def test_orders_import_groups_lines_and_rejects_whole_orders(crm):
    lines = pd.DataFrame({
        "order_no": ["A-1", "A-1", "A-2", "A-2", "A-3", "A-4", "A-5"],
        "customer": ["Star Tech", "Star Tech", "Star Tech", "Star Tech", "Harbour Logistics", "star tech", "Star Tech"],
        "order_date": ["2026-01-10", "2026-01-10", "2026-02-01", "2026-02-01", "2026-02-01", "2026-13-01", "2026-02-03"],
        "product": ["NB-14", "SUP-1Y", "NB-14", "NOPE", "NB-14", "NB-14", "SRV-2U"],
        "quantity": ["2", "1", "1", "1", "1", "1", "1"],
        "unit_price": ["", "5000", "", "", "", "", "30,000"],
    })
    report = crm.as_user("li.ming").imports.orders(lines)
    assert report.imported == 3  # A-1 (two lines) and A-5
    reasons = report.rejected.set_index("line")["reason"]
    assert "another line of this order (line 5)" in reasons[4]
    assert "no product with code 'NOPE'" in reasons[5]
    assert "no customer you may see" in reasons[6]     # Harbour Logistics is Wang Fang's
    assert "not a date" in reasons[7]
    orders = crm.orders.list().set_index("order_no")
    assert orders.loc["A-1", "amount"] == 2 * 4999 + 5000
    assert orders.loc["A-5", "amount"] == 30000
    again = crm.as_user("li.ming").imports.orders(lines.iloc[:2])
    assert again.imported == 0 and "already exists" in again.rejected.iloc[0].reason


def test_an_order_whose_lines_disagree_is_rejected_whole(crm):
    lines = pd.DataFrame({
        "order_no": ["M-1", "M-1", "M-2", "M-2", "M-3", "M-3", "M-4"],
        "customer": ["Star Tech", "1", "Star Tech", "Star Tech", "Star Tech", "Bright Future Trading", "Nobody"],
        "order_date": ["2026-01-10", "2026-01-10", "2026-01-10", "2026-01-11", "2026-01-12", "2026-01-12",
                       "2026-01-12"],
        "product": ["NB-14"] * 7, "quantity": ["1"] * 7})
    report = crm.as_user("li.ming").imports.orders(lines)
    assert report.imported == 2     # M-1: "1" is Star Tech's id, the same customer
    reasons = report.rejected.set_index("line")["reason"]
    assert list(reasons.index) == [4, 5, 6, 7, 8]
    assert all("name different customers or dates" in reasons[line] for line in (4, 5, 6, 7))
    assert "no customer you may see" in reasons[8]
    assert sorted(crm.orders.list()["order_no"]) == ["M-1"]


def test_blanks_around_values_are_trimmed_as_python_strips_them(crm):
    import duckdb

    from crm_engine.transfer import BLANK, BLANKS
    chars = [chr(i) for i in range(1, 0x10000) if not 0xD800 <= i < 0xE000]
    matched = duckdb.connect().execute(f"SELECT list_transform(?, lambda c: regexp_full_match(c, '{BLANK}'))",
                                       [chars]).fetchone()[0]
    assert [c for c, m in zip(chars, matched) if m != c.isspace()] == []
    assert BLANKS == "".join(c for c in chars if c.isspace())
    lines = pd.DataFrame({"order_no": ["\u3000C-1 ", "C-1", "C-2\t"], "customer": ["Star Tech\u00a0", " Star Tech", "Star Tech"],
                          "order_date": [" 2026-01-10", "2026-01-10\u3000", "2026-01-11"],
                          "product": ["NB-14 ", "\tSUP-1Y", " NOPE "], "quantity": ["1 ", " 2", "1"],
                          "unit_price": [" ", "", "\u2003"]})
    report = crm.as_user("li.ming").imports.orders(lines)
    assert report.imported == 2
    assert report.rejected[["line", "order_no", "product"]].values.tolist() == [[4, "C-2", "NOPE"]]
    orders = crm.orders.list(customer_id=1).set_index("order_no")
    price = crm.products.list().set_index("code")["price"].astype(float)
    assert orders.loc["C-1", "amount"] == price["NB-14"] + 2 * price["SUP-1Y"]


def test_an_orders_import_keeps_the_customer_index_and_an_abort_changes_nothing(crm):
    def indexes():
        return crm._s.db.rows("SELECT index_name FROM duckdb_indexes() WHERE table_name IN ('orders', 'order_lines') "
                              "ORDER BY 1")
    before = indexes()
    lines = pd.DataFrame({"order_no": ["B-1", "B-1", "B-2", "B-3"], "customer": ["Star Tech"] * 4,
                          "order_date": ["2026-01-10"] * 4, "product": ["NB-14", "SUP-1Y", "NB-14", "NB-14"],
                          "quantity": ["1", "1", "2", "3"], "unit_price": [""] * 4})
    assert crm.as_user("li.ming").imports.orders(lines).imported == 4
    assert indexes() == before == [("orders_customer",)]
    assert sorted(crm.orders.list(customer_id=1)["order_no"]) == ["B-1", "B-2", "B-3"]
    assert crm.sql("SELECT count(*) AS n FROM order_lines l JOIN orders o ON o.id = l.order_id "
                   "WHERE o.order_no = 'B-1'")["n"].iloc[0] == 2
    repeated = crm.sql("SELECT (SELECT count(*) - count(DISTINCT id) FROM orders) + "
                       "(SELECT count(*) - count(DISTINCT id) FROM order_lines) AS n")["n"].iloc[0]
    assert repeated == 0  # the history has no primary keys (schema 006): the engine's ids are unique
    before_abort = snapshot(crm)
    with pytest.raises(ImportAborted):                  # stopped half-way: nothing imported, indexes intact
        crm.as_user("li.ming").imports.orders(lines.assign(order_no=lines["order_no"] + "x"),
                                              progress=lambda done, total: False)
    assert snapshot(crm) == before_abort and indexes() == before


def test_contacts_and_products_imports(crm):
    contacts = pd.DataFrame({"customer": ["Star Tech", "Star Tech", "Nobody Inc"], "name": ["Chen Jing", "Chen Jing", "X"],
                             "email": ["chen@star.cn", "chen@star.cn", ""]})
    report = crm.as_user("li.ming").imports.contacts(contacts)
    assert report.imported == 1 and report.rejected["line"].tolist() == [3, 4]
    products = pd.DataFrame({"code": ["MON-27", "NB-14", "KB-1"], "name": ["Monitor 27", "Dup", "Keyboard"],
                             "price": ["1299", "1", "-5"], "category": ["硬件", "", ""]})
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").imports.products(products)
    report = crm.imports.products(products)
    assert report.imported == 1
    assert crm.products.list().set_index("code").loc["MON-27", "category"] == "hardware"


def test_exports_are_scoped_audited_and_refuse_overwrites(crm, tmp_path):
    rep = crm.as_user("li.ming")
    path = tmp_path / "mine.xlsx"
    assert rep.exports.write("customers", path) == 2
    assert set(pd.read_excel(path)["name"]) == {"Star Tech", "Bright Future Trading"}
    with pytest.raises(InvalidInput, match="already exists"):
        rep.exports.write("customers", path)
    with pytest.raises(InvalidInput, match=".csv or .xlsx"):
        rep.exports.write("customers", tmp_path / "mine.pdf")
    csv = tmp_path / "east.csv"
    crm.as_user("zhang.wei").exports.write("customers", csv, region="east")
    assert len(pd.read_csv(csv, encoding="utf-8-sig")) == 4
    exports = crm.audit.list(action="export")
    assert exports["username"].tolist() == ["li.ming", "zhang.wei"]
    assert exports["note"].tolist() == ["mine.xlsx", "east.csv"]


def test_read_only_workspaces_cannot_import(workspace_file):
    with CRM.open(workspace_file, read_only=True) as crm:
        with pytest.raises(NotAllowed, match="read-only"):
            crm.imports.customers(pd.DataFrame({"name": ["X"]}))
