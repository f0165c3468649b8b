"""Imports that never change data silently, exports that carry no formulas (issue 17)."""
import datetime as dt

import openpyxl
import pandas as pd
import pytest

from crm_engine import InvalidInput
from tests.engine.helpers import snapshot

FORMULA = '=HYPERLINK("http://example.com/x","click")'


# -- exports ------------------------------------------------------------------------------
def test_exports_carry_no_formulas_in_csv_or_excel(crm, tmp_path):
    source = tmp_path / "in.csv"
    names = [FORMULA, "+86 cmd", "-2+3", "@SUM(A1)", "\tTabbed", "Plain Co"]
    source.write_text("name\n" + "\n".join(f'"{n.replace(chr(34), chr(34) * 2)}"' for n in names) + "\n",
                      encoding="utf-8")
    rep = crm.as_user("li.ming")
    report = rep.imports.customers(source)
    assert report.imported == 6      # "\tTabbed" is "Tabbed" once trimmed, as customers.add would store it
    stored = set(rep.customers.list()["name"])
    assert FORMULA in stored        # stored verbatim: only the export neutralises
    book = tmp_path / "out.xlsx"
    rep.exports.write("customers", book)
    sheet = openpyxl.load_workbook(book).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    written = {c.value for c in cells}
    assert {"'" + FORMULA, "'+86 cmd", "'-2+3", "'@SUM(A1)", "Tabbed", "Plain Co"} <= written
    assert any(c.data_type == "n" for c in cells)   # numbers (ids) stay numbers
    text = tmp_path / "out.csv"
    rep.exports.write("customers", text)
    exported = pd.read_csv(text, encoding="utf-8-sig", dtype=str)
    assert set(exported["name"]) >= {"'" + FORMULA, "'@SUM(A1)", "'-2+3", "Plain Co"}
    assert not exported["name"].str.match(r"[=+\-@\t\r]").any()


@pytest.mark.parametrize("path,filters,key", [
    ("a.csv", {"nonsense": 1}, "export.filter"),
    ("a.csv", {"region": ["east"]}, "export.filter_value"),
    (None, {}, "export.path"),
    (123, {}, "export.path"),
    ("bad\ud800.csv", {}, "export.path"),
    ("nodir/a.csv", {}, "export.folder"),
])
def test_export_mistakes_are_clear_errors_and_write_nothing(crm, tmp_path, monkeypatch, path, filters, key):
    monkeypatch.chdir(tmp_path)
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        crm.as_user("li.ming").exports.write("customers", path, **filters)
    assert caught.value.key == key
    assert "None" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []
    assert snapshot(crm) == before


def test_neutralising_touches_text_cells_only():
    from crm_engine.transfer import neutralised
    frame = pd.DataFrame({"n": [-5, 3], "x": [-1.5, 2.0], "t": ["-5", "\r=1"], "ok": ["a", None]})
    out = neutralised(frame)
    assert out["n"].tolist() == [-5, 3] and out["x"].tolist() == [-1.5, 2.0]
    assert out["t"].tolist() == ["'-5", "'\r=1"]
    assert out["ok"].tolist()[0] == "a" and pd.isna(out["ok"].tolist()[1])
    assert frame["t"].tolist() == ["-5", "\r=1"]     # the caller's frame is left alone


# -- dates --------------------------------------------------------------------------------
def _orders(dates, **columns):
    return pd.DataFrame({"order_no": [f"D-{i}" for i in range(len(dates))], "customer": "Star Tech",
                         "order_date": dates, "product": "NB-14", "quantity": "1", **columns})


def test_two_digit_years_are_never_stored_as_year_one(crm):
    before = snapshot(crm)
    with pytest.raises(InvalidInput, match="date_format") as refused:
        crm.as_user("li.ming").imports.orders(_orders(["01-03-17", "02-03-17"]))
    assert "%d-%m-%y" in str(refused.value) and "%y-%m-%d" in str(refused.value)
    assert snapshot(crm) == before
    assert crm.sql("SELECT count(*) AS n FROM orders WHERE year(order_date) < 1900")["n"].iloc[0] == 0
    report = crm.as_user("li.ming").imports.orders(_orders(["01-03-17", "02-03-17"]), date_format="%d-%m-%y")
    assert report.imported == 2 and report.date_format == "%d-%m-%y"
    assert "%d-%m-%y" in str(report)
    dates = crm.orders.list().set_index("order_no")["order_date"]
    assert dates["D-0"] == pd.Timestamp(2017, 3, 1)


def test_a_date_format_is_detected_from_the_whole_column(crm):
    # 01-03-17 alone fits day-month-year and year-month-day; 31-12-98 only the first
    report = crm.as_user("li.ming").imports.orders(_orders(["01-03-17", "13-03-17", "31-12-98"]))
    assert report.imported == 3 and report.date_format == "%d-%m-%y"
    dates = crm.orders.list().set_index("order_no")["order_date"]
    assert dates["D-0"] == pd.Timestamp(2017, 3, 1) and dates["D-2"] == pd.Timestamp(1998, 12, 31)
    report = crm.as_user("li.ming").imports.orders(_orders(["01.02.2025", "28.02.2025"]).assign(order_no=["E1", "E2"]))
    assert report.date_format == "%d.%m.%Y" and report.imported == 2


def test_dates_out_of_range_or_not_fitting_are_rejected_rows(crm):
    report = crm.as_user("li.ming").imports.orders(_orders(["2025-01-02", "1899-12-31", "0017-03-01", "2025-1-2x",
                                                            "2025-02-30"]))
    assert report.imported == 1 and report.date_format == "%Y-%m-%d"
    reasons = report.rejected.set_index("line")["reason"]
    assert "1900" in reasons[3] and "1900" in reasons[4]
    assert "%Y-%m-%d" in reasons[5] and "%Y-%m-%d" in reasons[6]
    with pytest.raises(InvalidInput, match="1900"):
        crm.as_user("li.ming").orders.add(1, [{"product": "NB-14", "quantity": 1}], order_date="1899-12-31")


def test_excel_date_cells_import_as_dates(crm, tmp_path):
    path = tmp_path / "orders.xlsx"
    pd.DataFrame({"order_no": ["X-1", "X-2"], "customer": ["Star Tech"] * 2,
                  "order_date": [dt.datetime(2016, 10, 1), dt.datetime(2016, 10, 2, 14, 30)],
                  "product": ["NB-14"] * 2, "quantity": [2, 1]}).to_excel(path, index=False)
    report = crm.as_user("li.ming").imports.orders(path)
    assert report.imported == 1
    assert crm.orders.list().set_index("order_no").loc["X-1", "order_date"] == pd.Timestamp(2016, 10, 1)
    assert "time of day" in report.rejected.iloc[0].reason and report.rejected.iloc[0].line == 3


# -- encodings ----------------------------------------------------------------------------
def test_a_western_european_csv_is_not_read_as_chinese(crm, tmp_path):
    path = tmp_path / "fr.csv"
    path.write_bytes("name,address\nSébastien Dupré SARL,Köln\nFrançois Müller GmbH,Zürich\n".encode("cp1252"))
    report = crm.as_user("li.ming").imports.customers(path)
    assert report.imported == 2 and report.encoding == "cp1252"
    assert "cp1252" in str(report)
    assert {"Sébastien Dupré SARL", "François Müller GmbH"} <= set(crm.customers.list()["name"])


@pytest.mark.parametrize("data, encoding", [
    ("name\n杭州西湖电子有限公司\n成都天府食品有限公司\n".encode("gbk"), "gb18030"),
    ("name\nSébastien Café\n".encode("utf-8-sig"), "utf-8-sig"),
    ("name\nSébastien Café\n".encode("utf-8"), "utf-8"),
    ("name\nSébastien Café\n杭州西湖电子\n".encode("utf-16"), "utf-16"),
])
def test_the_encoding_used_is_reported(crm, data, encoding):
    report = crm.as_user("li.ming").imports.customers(data)
    assert report.encoding == encoding and report.imported == len(data.decode(encoding).splitlines()) - 1


def test_an_uncertain_encoding_is_refused_naming_the_option(crm):
    before = snapshot(crm)
    with pytest.raises(InvalidInput, match="encoding="):
        crm.as_user("li.ming").imports.customers("name\n杭州\n".encode("gbk"))   # Big5 or GBK? four bytes cannot say
    assert snapshot(crm) == before
    report = crm.as_user("li.ming").imports.customers("name\n杭州\n".encode("gbk"), encoding="gbk")
    assert report.imported == 1 and report.encoding == "gbk"


# -- numbers and text ---------------------------------------------------------------------
def test_numbers_are_never_rounded_and_never_abort_the_import(crm):
    lines = _orders(["2026-01-10"] * 6, quantity=["2.5", "1", "3000000000", "-1", "1", "1"],
                    unit_price=["", "999999999999999999", "", "", "abc", "12.50"])
    report = crm.as_user("li.ming").imports.orders(lines)
    assert report.imported == 1
    reasons = report.rejected.set_index("line")["reason"]
    assert list(reasons.index) == [2, 3, 4, 5, 6]
    assert "2.5" in reasons[2] and "999999999999999999" in reasons[3] and "3000000000" in reasons[4]
    assert "-1" in reasons[5] and "abc" in reasons[6]
    assert crm.orders.list().set_index("order_no").loc["D-5", "amount"] == 12.5


def test_product_prices_and_stock_out_of_range_are_rejected_rows(crm):
    products = pd.DataFrame({"code": ["A", "B", "C"], "name": ["A", "B", "C"],
                             "price": ["1e20", "10", "5"], "stock": ["", "2.5", "99999999999"]})
    report = crm.imports.products(products)
    assert report.imported == 0 and report.rejected["line"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("bad", ["Nul\x00Co", "Bell\x07Co"])
def test_control_characters_are_refused_as_customers_add_refuses_them(crm, bad):
    with pytest.raises(InvalidInput):
        crm.as_user("li.ming").customers.add(bad)
    report = crm.as_user("li.ming").imports.customers(pd.DataFrame({"name": [bad, "Fine Co"],
                                                                    "address": ["x", "a\x00b"]}))
    assert report.imported == 0 and report.rejected["line"].tolist() == [2, 3]
    assert "text" in report.rejected.iloc[0].reason


def test_the_command_line_takes_a_date_format_and_prints_the_encoding(workspace_file, tmp_path):
    from click.testing import CliRunner

    from crm_engine.cli import main
    source = tmp_path / "orders.csv"
    source.write_bytes("order_no,customer,order_date,product,quantity\nF-1,Star Tech,01-03-17,NB-14,1\n"
                       "F-2,Star Tech,02-03-17,NB-14,1\n".encode("cp1252"))
    command = ["import", str(workspace_file), "orders", str(source), "--as", "li.ming"]
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code != 0 and "--date-format" in refused.output
    result = CliRunner().invoke(main, [*command, "--date-format", "%d-%m-%y"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 rows imported" in result.output and "encoding utf-8" in result.output
    assert "dates %d-%m-%y" in result.output


def test_an_import_leaves_duckdbs_memory_limit_as_it_was(crm):
    def limit():
        # crm.sql refuses current_setting() (settings are not an analyst's business): ask the engine's connection.
        return crm._s.db.scalar("SELECT current_setting('memory_limit')")
    before = limit()
    for _ in range(3):
        crm.as_user("li.ming").imports.customers(pd.DataFrame({"name": ["Limit Co"]}))
    assert limit() == before


def test_a_csv_row_is_rejected_not_cut_short_and_nul_bytes_are_rows_rejected(crm):
    data = b'name,phone\nA Co,010-1234 5678,surplus\n"Two\nLines Co",\nNul\x00Co,\nB Co\n'
    report = crm.as_user("li.ming").imports.customers(data)
    assert report.imported == 2       # "Two\nLines Co" (a line break is text) and B Co (a short row)
    reasons = report.rejected.set_index("line")["reason"]
    assert "more values than the header" in reasons[2]
    assert "control character" in reasons[4]


def test_the_refusals_speak_chinese(crm):
    rep = crm.as_user("li.ming")
    rep.set_language("zh_CN")
    with pytest.raises(InvalidInput, match="读出的日期各不相同；请用 `date_format="):
        rep.imports.orders(_orders(["01-03-17", "02-03-17"]))
    with pytest.raises(InvalidInput, match="无法判断是哪一种；请用 `encoding="):
        rep.imports.customers("name\n杭州\n".encode("gbk"))
    report = rep.imports.orders(_orders(["2025-01-02", "1899-12-31"], quantity=["2.5", "1"]))
    assert report.rejected["reason"].tolist() == ["“2.5”不是有效的数量（应为范围内的整数）", "“1899-12-31”早于 1900-01-01"]


def test_the_rejected_rows_file_of_the_command_line_carries_no_formulas(workspace_file, tmp_path):
    from click.testing import CliRunner

    from crm_engine.cli import main
    source, out = tmp_path / "in.csv", tmp_path / "rejected.csv"
    source.write_text('name,email\n"=HYPERLINK(""http://x"",""y"")",not-an-email\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(workspace_file), "customers", str(source), "--as", "li.ming",
                                       "--rejected", str(out)])
    # Nothing was imported (the one row is rejected): exit 1, and the rejected rows are written all the same.
    assert result.exit_code == 1, result.output
    assert pd.read_csv(out, encoding="utf-8-sig")["name"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")"]


def test_excel_formulas_without_a_computed_value_are_rejected_rows_not_empty_cells(crm, tmp_path):
    # openpyxl (and pandas) write formulas without the value Excel would compute and cache
    path = tmp_path / "formulas.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["name", "phone"], ['=CONCAT("A","B")', "021-5555 0104"], ["=1+1", "=1+1"],
                ["Real Co", "021-5555 0105"]):
        sheet.append(row)
    book.save(path)
    before = set(crm.customers.list()["name"])
    report = crm.as_user("li.ming").imports.customers(path)
    assert (report.imported, len(report.rejected)) == (1, 2)
    assert report.rejected["line"].tolist() == [2, 3]
    for reason in report.rejected["reason"]:
        assert "formula without a computed value" in reason and "LibreOffice" in reason
    assert report.rejected["reason"][0].startswith("name")
    assert set(crm.customers.list()["name"]) - before == {"Real Co"}
