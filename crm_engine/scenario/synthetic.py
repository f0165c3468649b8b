"""Seeded synthetic customers, contacts, interactions and orders — vectorised.

The same (arguments, seed) always give the same rows. Everything is drawn with
numpy and written with a few `INSERT … SELECT` statements from DataFrames, so
100k customers / 2M orders take seconds, not the hours a loop of engine calls
would (names are composed: Faker is slow and repeats company names at this scale).

Order history has the shapes a CRM course needs: seasonality (a December peak,
a February dip), heavy-tailed order values (log-normal), and four customer
patterns — steady, growing, declining and lapsed (no order in the last 7–14
months, so churn warnings have something to find).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..names import normalise

WORDS = {
    "en": {
        "cities": ["Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Hangzhou", "Nanjing", "Wuhan", "Chengdu",
                   "Xi'an", "Suzhou", "Tianjin", "Chongqing", "Qingdao", "Dalian", "Xiamen", "Ningbo",
                   "Changsha", "Zhengzhou", "Jinan", "Hefei", "Fuzhou", "Kunming", "Harbin", "Shenyang"],
        "names": ["Star", "Bright", "Golden", "Harmony", "Pioneer", "Evergreen", "Summit", "Horizon", "Unity",
                  "Apex", "Crystal", "Orient", "Phoenix", "Dragon", "Lotus", "Jade", "Silver", "Rising",
                  "Great Wall", "Prosper", "Vast", "Noble", "Swift", "True North", "Blue Sky", "Red River",
                  "Peak", "Ocean", "Forest", "Sunrise"],
        "trades": ["Electronics", "Trading", "Logistics", "Instruments", "Foods", "Textiles", "Software",
                   "Machinery", "Pharmaceuticals", "Building Materials", "Auto Parts", "Printing",
                   "Hotels", "Retail", "Education"],
        "suffix": "Co., Ltd.",
        "given": ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Hui", "Tao", "Ping"],
        "family": ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun"],
        "titles": ["Purchasing manager", "General manager", "IT director", "Finance manager", "Office manager"],
        "subjects": ["Follow-up call", "Product demo", "Price negotiation", "Delivery check", "Quarterly review",
                     "New catalogue sent", "Complaint follow-up", "Visit to the plant"],
    },
    "zh_CN": {
        "cities": ["北京", "上海", "广州", "深圳", "杭州", "南京", "武汉", "成都", "西安", "苏州", "天津", "重庆",
                   "青岛", "大连", "厦门", "宁波", "长沙", "郑州", "济南", "合肥", "福州", "昆明", "哈尔滨", "沈阳"],
        "names": ["星辰", "光明", "金鼎", "和谐", "先锋", "常青", "峰汇", "远景", "联合", "巅峰", "水晶", "东方",
                  "凤凰", "腾龙", "莲花", "翡翠", "银河", "旭日", "长城", "兴盛", "宏大", "华贵", "迅捷", "北辰",
                  "蓝天", "红河", "高峰", "海洋", "森林", "朝阳"],
        "trades": ["电子", "贸易", "物流", "仪器", "食品", "纺织", "软件", "机械", "医药", "建材", "汽配", "印刷",
                   "酒店", "零售", "教育"],
        "suffix": "有限公司",
        "given": ["伟", "芳", "娜", "敏", "静", "磊", "强", "艳", "军", "辉", "涛", "平"],
        "family": ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"],
        "titles": ["采购经理", "总经理", "信息部主任", "财务经理", "行政经理"],
        "subjects": ["电话回访", "产品演示", "价格洽谈", "到货确认", "季度回顾", "寄送新产品目录", "投诉跟进", "实地拜访"],
    },
}
PATTERNS = ("steady", "growing", "declining", "lapsed")
# December peak, February dip (Spring Festival), a small mid-year bump.
SEASON = np.array([0.9, 0.6, 1.0, 1.0, 1.0, 1.1, 1.0, 0.9, 1.0, 1.1, 1.2, 1.5])


@dataclass(frozen=True)
class Generated:
    customers: int
    contacts: int
    interactions: int
    orders: int


def company_names(count: int, rng: np.random.Generator, language: str) -> list[str]:
    """`count` distinct, plausible company names (distinct after normalisation too)."""
    w = WORDS[language]
    city = rng.integers(0, len(w["cities"]), count)
    name = rng.integers(0, len(w["names"]), count)
    trade = rng.integers(0, len(w["trades"]), count)
    sep = " " if language == "en" else ""
    base = [sep.join((w["cities"][c], w["names"][n], w["trades"][t])) for c, n, t in zip(city, name, trade)]
    seen: dict[str, int] = {}
    out = []
    for text in base:
        n = seen.get(text, 0) + 1
        seen[text] = n
        # A second "Hangzhou Star Electronics" becomes branch 2, as real registries do.
        label = text if n == 1 else (f"{text} {n}" if language == "en" else f"{text}{n}号")
        out.append(f"{label} {w['suffix']}" if language == "en" else f"{label}{w['suffix']}")
    return out


def generate(db, *, customers: int, orders: int, seed: int = 0, today: dt.date, years: float = 3.0,
             language: str = "en", owners: list[int], products: pd.DataFrame, created_by: int = 1,
             regions: list[str] | None = None) -> Generated:
    """Write `customers` customers with contacts and interactions and about `orders` orders.

    Runs inside the caller's transaction (`db.execute` requires one). `owners`
    are the user ids of the account managers; `products` has columns id, price.
    """
    rng = np.random.default_rng(seed)
    start = today - dt.timedelta(days=int(365 * years))
    span = (today - start).days
    base_id = db.next_id("customers")
    ids = np.arange(base_id, base_id + customers)
    names = company_names(customers, rng, language)
    regions = regions or ["north", "northeast", "east", "central", "south", "southwest", "northwest"]
    # Customer mix: mostly ordinary, a few key accounts and partners.
    levels = rng.choice(["ordinary", "key_account", "key_development", "partner", "strategic_partner"],
                        customers, p=[0.62, 0.12, 0.14, 0.09, 0.03])
    pattern = rng.choice(PATTERNS, customers, p=[0.5, 0.15, 0.2, 0.15])
    first_day = rng.integers(0, int(span * 0.6), customers)
    cards = pd.DataFrame({
        "id": ids, "name": names, "name_norm": [normalise(n) for n in names],
        "phone": [f"0{rng.integers(10, 999)}-{rng.integers(5000_0000, 9999_9999)}" for _ in range(customers)],
        "owner_id": rng.choice(np.asarray(owners), customers),
        "industry": rng.choice(["manufacturing", "wholesale_retail", "it", "education", "healthcare", "finance",
                                "logistics", "construction", "food", "government"], customers),
        "ownership": rng.choice(["state", "joint_venture", "collective", "joint_stock", "private"], customers,
                                p=[0.15, 0.1, 0.05, 0.3, 0.4]),
        "company_size": rng.choice(["micro", "small", "medium", "large"], customers, p=[0.3, 0.4, 0.22, 0.08]),
        "customer_type": rng.choice(["enterprise", "distributor", "retailer", "institution", "individual"], customers,
                                    p=[0.45, 0.2, 0.2, 0.1, 0.05]),
        "level": levels,
        "credit": rng.choice([1, 2, 3, 4, 5], customers, p=[0.05, 0.1, 0.3, 0.35, 0.2]),
        "satisfaction": rng.choice([1, 2, 3, 4, 5], customers, p=[0.04, 0.08, 0.28, 0.4, 0.2]),
        "region": rng.choice(regions, customers),
        "created_on": pd.to_datetime(start) + pd.to_timedelta(first_day, unit="D"),
        "pattern": pattern,
    })
    _insert(db, "customers", cards, """
        INSERT INTO customers (id, name, name_norm, phone, owner_id, industry, ownership, company_size, customer_type,
            level, credit, satisfaction, region, status, created_on, created_by)
        SELECT id, name, name_norm, phone, owner_id, industry, ownership, company_size, customer_type,
            level, credit, satisfaction, region, 'active', created_on::DATE, ? FROM frame""", [created_by])

    contacts = _contacts(db, cards, rng, language)
    interactions = _interactions(db, cards, rng, language, today)
    order_count = _orders(db, cards, rng, orders, products, start, today)
    return Generated(customers, contacts, interactions, order_count)


def _contacts(db, cards, rng, language) -> int:
    w = WORDS[language]
    per = rng.integers(1, 3, len(cards))
    owner = np.repeat(cards["id"].to_numpy(), per)
    n = len(owner)
    family = rng.choice(w["family"], n)
    given = rng.choice(w["given"], n)
    names = [f"{g} {f}" if language == "en" else f"{f}{g}" for f, g in zip(family, given)]
    first = np.r_[True, owner[1:] != owner[:-1]]
    base = db.next_id("contacts")
    frame = pd.DataFrame({"id": np.arange(base, base + n), "customer_id": owner, "name": names,
                          "title": rng.choice(w["titles"], n),
                          "mobile": [f"1{rng.integers(30, 99)}{rng.integers(1000_0000, 9999_9999)}" for _ in range(n)],
                          "is_primary": first})
    _insert(db, "contacts", frame, "INSERT INTO contacts (id, customer_id, name, title, mobile, is_primary) "
                                   "SELECT id, customer_id, name, title, mobile, is_primary FROM frame")
    return n


def _interactions(db, cards, rng, language, today) -> int:
    w = WORDS[language]
    per = rng.poisson(2.0, len(cards))
    customer = np.repeat(cards["id"].to_numpy(), per)
    owner = np.repeat(cards["owner_id"].to_numpy(), per)
    created = np.repeat(cards["created_on"].to_numpy(), per)
    n = len(customer)
    days = (np.datetime64(today) - created.astype("datetime64[D]")).astype(int)
    on = created.astype("datetime64[D]") + (rng.random(n) * np.maximum(days, 0)).astype(int)
    base = db.next_id("interactions")
    frame = pd.DataFrame({"id": np.arange(base, base + n), "customer_id": customer, "user_id": owner, "on_date": on,
                          "channel": rng.choice(["phone", "visit", "email", "meeting", "wechat"], n,
                                                p=[0.4, 0.2, 0.15, 0.1, 0.15]),
                          "subject": rng.choice(w["subjects"], n)})
    _insert(db, "interactions", frame, "INSERT INTO interactions (id, customer_id, user_id, on_date, channel, subject) "
                                       "SELECT id, customer_id, user_id, on_date::DATE, channel, subject FROM frame "
                                       "ORDER BY customer_id, id")
    return n


def _orders(db, cards, rng, total, products, start, today) -> int:
    """About `total` orders, spread over customers by a heavy-tailed activity rate."""
    if total <= 0 or cards.empty:
        return 0
    rate = rng.gamma(0.8, 1.0, len(cards)) * np.where(cards["level"].isin(["key_account", "strategic_partner"]), 3, 1)
    count = rng.multinomial(total, rate / rate.sum())
    customer_idx = np.repeat(np.arange(len(cards)), count)
    n = len(customer_idx)
    created = cards["created_on"].to_numpy().astype("datetime64[D]")[customer_idx]
    end = np.datetime64(today)
    pattern = cards["pattern"].to_numpy()[customer_idx]
    # Lapsed customers stopped ordering 7–14 months ago; declining ones order less and less.
    lapse = end - rng.integers(210, 430, n).astype("timedelta64[D]")
    stop = np.where(pattern == "lapsed", lapse, end)
    window = np.maximum((stop - created).astype(int), 1)
    u = rng.random(n)
    u = np.where(pattern == "growing", np.sqrt(u), np.where(pattern == "declining", u ** 2, u))
    day = created + (u * window).astype(int)
    # Seasonality: thin out orders in weak months (keep with probability season / max).
    month = (day.astype("datetime64[M]").astype(int) % 12)
    keep = rng.random(n) < SEASON[month] / SEASON.max()
    idx, day = customer_idx[keep], day[keep]
    order = np.lexsort((day, idx))  # physical order: by customer, then date (zone maps help the 360)
    idx, day = idx[order], day[order]
    n = len(idx)
    product_pos = rng.integers(0, len(products), n)
    price = products["price"].to_numpy(dtype=float)[product_pos]
    value = rng.lognormal(np.log(2000), 1.0, n)
    quantity = np.maximum(1, np.round(value / price)).astype(int)
    amount = np.round(quantity * price, 2)
    base, line_base = db.next_id("orders"), db.next_id("order_lines")
    order_ids = np.arange(base, base + n)
    frame = pd.DataFrame({
        "id": order_ids, "customer_id": cards["id"].to_numpy()[idx],
        "order_no": pd.Series(order_ids).map("SO{:08d}".format),
        "order_date": day, "amount": amount, "owner_id": cards["owner_id"].to_numpy()[idx],
        "line_id": np.arange(line_base, line_base + n), "product_id": products["id"].to_numpy()[product_pos],
        "quantity": quantity, "price": price,
    })
    _insert(db, "orders", frame, """
        INSERT INTO orders SELECT id, customer_id, order_no, order_date::DATE, amount, 'confirmed', owner_id FROM frame
        ORDER BY customer_id, id""")   # stored by customer, as the scenario generator does (history.insert_orders)
    _insert(db, "order_lines", frame, """
        INSERT INTO order_lines SELECT line_id, id, product_id, quantity, price, amount FROM frame""")
    return n


def _insert(db, table: str, frame: pd.DataFrame, sql: str, params=None) -> None:
    with db.registered("frame", frame):
        db.execute(sql, params)
