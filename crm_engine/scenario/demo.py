"""The demo workspace: a computer-hardware distributor with a sales org and three years of history.

Built by `crm-lab demo` (and so by `./crmlab.sh start`) for the landing notebook.
Deterministic: the same seed and language give the same company.
"""
from __future__ import annotations

from ..crm import CRM
from . import synthetic

TODAY = "2026-03-02"
ORG = {
    "en": {"company": "Star Computer Distribution Co.", "teams": ["East sales", "Shanghai", "West sales", "Customer service"]},
    "zh_CN": {"company": "星辰电脑分销有限公司", "teams": ["华东销售部", "上海组", "西部销售部", "客户服务部"]},
}
# username, English name, Chinese name, role, team index (0 = head office)
PEOPLE = [
    ("dong.li", "Dong Li", "董力", "director", 0),
    ("zhang.wei", "Zhang Wei", "张伟", "supervisor", 1),
    ("li.ming", "Li Ming", "李明", "account_manager", 1),
    ("wang.fang", "Wang Fang", "王芳", "account_manager", 1),
    ("zhao.lei", "Zhao Lei", "赵磊", "account_manager", 2),
    ("chen.hua", "Chen Hua", "陈华", "supervisor", 3),
    ("liu.yang", "Liu Yang", "刘洋", "account_manager", 3),
    ("sun.li", "Sun Li", "孙丽", "service_staff", 4),
    ("ma.lan", "Ma Lan", "马兰", "marketing", 0),
    ("cai.wu", "Cai Wu", "蔡武", "finance", 0),
]
PRODUCTS = [  # code, English, Chinese, category, price, stock
    ("NB-14", "Notebook 14\"", "14 英寸笔记本电脑", "hardware", 4999, 400),
    ("NB-16", "Notebook 16\" pro", "16 英寸专业笔记本", "hardware", 8999, 150),
    ("DT-01", "Office desktop", "办公台式机", "hardware", 3599, 300),
    ("SRV-2U", "Rack server 2U", "2U 机架式服务器", "hardware", 38000, 25),
    ("MON-27", "Monitor 27\"", "27 英寸显示器", "hardware", 1299, 600),
    ("PRN-L", "Laser printer", "激光打印机", "hardware", 2199, 120),
    ("TON-1", "Toner cartridge", "硒鼓", "consumables", 399, 2000),
    ("SUP-1Y", "Support contract, 1 year", "一年期维保服务", "service", 6000, 0),
]


def build(crm: CRM, *, customers: int = 400, orders: int = 8000, seed: int = 2026) -> CRM:
    """Fill an empty workspace with the demo company (as the administrator)."""
    language = crm.language
    names = ORG[language]
    crm.admin.set_setting("company", names["company"])
    east, shanghai, west, service = names["teams"]
    east_id = crm.admin.add_team(east)
    teams = [1, east_id, crm.admin.add_team(shanghai, parent=east_id),  # Shanghai sits under East sales
             crm.admin.add_team(west), crm.admin.add_team(service)]
    for username, en, zh, role, team in PEOPLE:
        crm.admin.add_user(username, en if language == "en" else zh, role=role, team=teams[team],
                           email=f"{username}@star-computer.example")
    for code, en, zh, category, price, stock in PRODUCTS:
        crm.products.add(code, en if language == "en" else zh, price=price, category=category, stock=stock)
    owners = crm.admin.users(role="account_manager")["id"].tolist()
    products = crm.products.list()[["id", "price"]].astype({"price": float})
    db = crm._s.db
    with db.transaction():
        synthetic.generate(db, customers=customers, orders=orders, seed=seed, today=crm.today(),
                           language=language, owners=owners, products=products)
        crm._s.audit("generate", "scenario", None, after={"customers": customers, "orders": orders, "seed": seed})
    return crm


def create(path, *, language: str = "en", customers: int = 400, orders: int = 8000, seed: int = 2026) -> CRM:
    """A new demo workspace file at `path`, built in one step (a failed or killed build leaves no file)."""
    return CRM.create(path, today=TODAY, language=language,
                      fill=lambda crm: build(crm, customers=customers, orders=orders, seed=seed))
