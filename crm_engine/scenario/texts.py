"""Words and templates the generator composes names and texts from, in English and 简体中文.

Names are composed (city + brand + trade, family + given, street + brand + shop kind)
rather than drawn from Faker, which repeats itself at scale. Templates
take `{product}`, `{contact}`, `{customer}` and are filled per record. The words the
simulated *customers* say back to students live in i18n/scenario.toml instead (they are
messages, rendered in the session's language).
"""
from __future__ import annotations

from . import phrases as trades
from .synthetic import WORDS

CITIES = {"en": WORDS["en"]["cities"] + ["Wuxi", "Foshan", "Dongguan", "Changzhou", "Nanning", "Taiyuan",
                                         "Shijiazhuang", "Lanzhou", "Guiyang", "Nanchang", "Yantai", "Zhuhai"],
          "zh_CN": WORDS["zh_CN"]["cities"] + ["无锡", "佛山", "东莞", "常州", "南宁", "太原", "石家庄", "兰州", "贵阳",
                                               "南昌", "烟台", "珠海"]}
BRANDS = {"en": WORDS["en"]["names"] + ["Everbright", "Sincere", "Kingdom", "Fortune", "Jinhua", "Yuanda",
                                        "Zhongxin", "Hengtai", "Ruifeng", "Longteng", "Xinda", "Tianyu", "Haoyun",
                                        "Mingda", "Shengshi", "Huaxia", "Anxin", "Boyuan", "Chuangye", "Dingsheng"],
          "zh_CN": WORDS["zh_CN"]["names"] + ["光大", "诚信", "金国", "富源", "金华", "远大", "中信", "恒泰", "瑞丰",
                                              "龙腾", "信达", "天宇", "好运", "明达", "盛世", "华夏", "安信", "博远",
                                              "创业", "鼎盛"]}
TRADES = {"en": WORDS["en"]["trades"] + ["Technology", "Engineering", "Medical", "Network", "Energy",
                                         "Environmental", "Catering", "Property", "Media", "Consulting"],
          "zh_CN": WORDS["zh_CN"]["trades"] + ["科技", "工程", "医疗", "网络", "能源", "环保", "餐饮", "置业", "传媒",
                                               "咨询"]}
SUFFIX = {"en": " Co., Ltd.", "zh_CN": "有限公司"}

FAMILY = {"en": ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu",
                 "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie", "Han", "Tang",
                 "Feng", "Yu", "Dong", "Xiao", "Cheng", "Cao", "Yuan", "Deng", "Fu", "Shen", "Zeng", "Peng", "Lu",
                 "Su"],
          "zh_CN": ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何",
                    "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓",
                    "傅", "沈", "曾", "彭", "卢", "苏"]}
# Given names: one or two syllables; the English side is the pinyin of the Chinese.
GIVEN = {"en": ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Hui", "Tao", "Ping", "Xin", "Yu",
                "Hao", "Jie", "Lan", "Li", "Ming", "Ning", "Qing", "Rui", "Shan", "Ting", "Wen", "Xia", "Yi", "Zhen",
                "Bo", "Chen"],
         "zh_CN": ["伟", "芳", "娜", "敏", "静", "磊", "强", "艳", "军", "辉", "涛", "平", "欣", "宇", "浩", "杰", "兰",
                   "丽", "明", "宁", "青", "瑞", "珊", "婷", "文", "霞", "怡", "珍", "波", "晨"]}
STREETS = {"en": ["Jiefang Road", "Renmin Road", "Zhongshan Road", "Heping Street", "Xinhua Road", "Chaoyang Road",
                  "Beijing Road", "Nanjing Road", "Jianshe Road", "Wenhua Road", "Youyi Road", "Dongfeng Road",
                  "Gongyuan Street", "Huancheng Road", "Yingbin Avenue", "Binhe Road", "Changjiang Road",
                  "Qingnian Road", "Xingfu Street", "Shengli Road"],
           "zh_CN": ["解放路", "人民路", "中山路", "和平街", "新华路", "朝阳路", "北京路", "南京路", "建设路", "文化路",
                     "友谊路", "东风路", "公园街", "环城路", "迎宾大道", "滨河路", "长江路", "青年路", "幸福街", "胜利路"]}
SHOPS = {"en": ["Convenience Store", "Supermarket", "Grocery", "Mini-mart", "Tobacco & Liquor", "Fresh Mart",
                "Corner Shop", "Family Mart"],
         "zh_CN": ["便利店", "超市", "食杂店", "小卖部", "烟酒店", "生鲜超市", "百货店", "家家乐"]}

TITLES = {
    "company": {"en": ["Purchasing manager", "General manager", "IT director", "Finance manager", "Office manager",
                       "Operations director", "Buyer"],
                "zh_CN": ["采购经理", "总经理", "信息部主任", "财务经理", "行政经理", "运营总监", "采购员"]},
    "person": {"en": ["Self", "Parent", "Guardian", "Employer contact"],
               "zh_CN": ["本人", "家长", "监护人", "单位联系人"]},
    "shop": {"en": ["Owner", "Store manager", "Cashier", "Owner's spouse"],
             "zh_CN": ["店主", "店长", "收银员", "老板娘"]},
}

# Interaction records by channel: subject, detail.
INTERACTIONS = {
    "en": {"phone": [("Follow-up call", "Called {contact} about recent orders of {product}."),
                     ("Price enquiry", "{contact} asked for the current price of {product}."),
                     ("Delivery check", "Confirmed delivery of {product} with {contact}.")],
           "visit": [("Customer visit", "Visited {customer}; met {contact}, discussed {product}."),
                     ("Quarterly review", "Reviewed the quarter's purchases with {contact} on site.")],
           "email": [("New catalogue sent", "Sent the new catalogue with {product} to {contact}."),
                     ("Quotation sent", "E-mailed a quotation for {product} to {contact}.")],
           "wechat": [("WeChat follow-up", "{contact} replied on WeChat about {product}."),
                      ("Promotion shared", "Shared this month's promotion on {product} with {contact} on WeChat.")],
           "meeting": [("Meeting", "Meeting with {contact} about next year's needs for {product}.")]},
    "zh_CN": {"phone": [("电话回访", "致电{contact}，了解近期{product}的订货情况。"),
                        ("询价", "{contact}来电询问{product}的最新价格。"),
                        ("到货确认", "与{contact}确认{product}已到货。")],
              "visit": [("客户拜访", "拜访{customer}，与{contact}面谈{product}的需求。"),
                        ("季度回顾", "上门与{contact}回顾本季度采购情况。")],
              "email": [("寄送新产品目录", "向{contact}发送含{product}的新产品目录。"),
                        ("发送报价", "通过邮件向{contact}发送{product}报价。")],
              "wechat": [("微信跟进", "{contact}在微信上回复了关于{product}的问题。"),
                         ("分享促销", "在微信上向{contact}分享本月{product}促销信息。")],
              "meeting": [("会议", "与{contact}开会讨论明年{product}的需求。")]},
}

# Service tickets by type: subject, request, handling, result.
TICKETS = {
    "en": {"consultation": [("Question about {product}", "How do we set up the {product} we bought last month?",
                             "Sent the set-up guide for {product} and walked the customer through it.",
                             "Customer set it up; thanks for the help.")],
           "complaint": [("Late delivery of {product}", "Our order of {product} arrived a week late. This keeps "
                          "happening.", "Apologised, checked the carrier, arranged priority shipping next time.",
                          "Customer accepts the apology."),
                         ("Wrong item delivered", "We ordered {product} but received something else.",
                          "Exchanged the item within two days.", "Correct item received.")],
           "repair": [("{product} faulty", "The {product} stops working after an hour.",
                       "Technician visit; replaced the faulty part of {product}.", "Works again.")],
           "suggestion": [("Suggestion: monthly statement", "Could you send a monthly statement of our {product} "
                           "orders?", "Passed to finance; monthly statements set up.", "Customer pleased.")],
           "other": [("Invoice question", "The invoice for {product} shows the wrong tax number.",
                      "Reissued the invoice.", "Correct invoice received.")]},
    "zh_CN": {"consultation": [("{product}使用咨询", "上个月买的{product}怎么设置？",
                                "发送{product}设置指南并电话指导客户。", "客户已完成设置，表示感谢。")],
              "complaint": [("{product}送货延迟", "我们订的{product}晚到了一周，已经不是第一次了。",
                             "向客户道歉，核查物流，承诺下次优先发货。", "客户接受道歉。"),
                            ("送错货", "我们订的是{product}，收到的却是别的货。", "两天内完成换货。", "已收到正确货品。")],
              "repair": [("{product}故障", "{product}用一个小时就停机。", "上门维修，更换{product}故障部件。",
                          "已恢复正常。")],
              "suggestion": [("建议：月度对账单", "能否每月提供{product}订货对账单？", "已转财务，开通月度对账单。",
                              "客户满意。")],
              "other": [("发票问题", "{product}的发票税号有误。", "已重开发票。", "已收到正确发票。")]},
}

# Inbound calls: from known customers, and from unknown callers (prospects).
CALLS = {
    "en": {"known": ["Asks about the delivery date of the last order", "Wants to complain about {product}",
                     "Asks for a quotation for more {product}", "Reports a problem with {product}"],
           "unknown": ["New caller interested in {product}; asks for prices", "Saw our advert; wants a visit about "
                       "{product}", "Asks whether we deliver {product} to their area"]},
    "zh_CN": {"known": ["询问上一单的送货日期", "投诉{product}的问题", "想追加{product}，请求报价", "反映{product}出了故障"],
              "unknown": ["新客户来电，对{product}感兴趣，询问价格", "看到广告，希望上门介绍{product}",
                          "询问{product}能否送货到当地"]},
}

# Development-plan steps by rank (1 call, 2 visit, 3 proposal, 4 negotiation): action, result.
# The action words are the ones reaction.classify() recognises.
STEPS = {
    "en": {1: ("Phone call with {contact}: needs analysis", "{contact} confirmed interest in {product}."),
           2: ("Visit {customer}: meet the decision maker, demo {product}", "Demo went well; asked for a proposal."),
           3: ("Send proposal and quotation for {product}", "Proposal received; questions on delivery terms."),
           4: ("Negotiate price and delivery terms", "Agreed terms; waiting for the signature.")},
    "zh_CN": {1: ("电话沟通{contact}：需求分析", "{contact}确认对{product}有兴趣。"),
              2: ("拜访{customer}：见决策人，演示{product}", "演示效果好，对方要求出方案。"),
              3: ("发送{product}方案和报价", "对方已收到方案，询问交货条款。"),
              4: ("商务谈判：价格与交货条款", "条款谈妥，等待签约。")},
}
SUMMARIES = {"en": ["{qty} × {product} for a new office", "Replace old equipment with {product}",
                    "Annual supply of {product}", "{product} for a new branch", "Trial order of {product}"],
             "zh_CN": ["新办公室采购{qty}台{product}", "用{product}替换旧设备", "{product}年度供货", "新分店需要{product}",
                       "{product}试用订单"]}
FOLLOWUPS = {"en": ["Called; interested, asked for a brochure", "Sent product information by e-mail",
                    "Talked on WeChat; will compare prices", "No answer; try again next week"],
             "zh_CN": ["已致电，有兴趣，索要资料", "已发邮件介绍产品", "微信沟通，对方要比价", "未接通，下周再联系"]}
LEAD_NOTES = {"en": "Interested in {product}", "zh_CN": "对{product}感兴趣"}
STEP_LOST = {"en": "Customer chose another supplier.", "zh_CN": "客户选择了其他供应商。"}
CLOSE_REASONS = {"invalid": {"en": "Number unreachable", "zh_CN": "电话无法接通"},
                 "voided": {"en": "Junk entry", "zh_CN": "无效信息"}}
STYLES = ("b2b", "school", "retail")


def phrases(name: str, style: str, language: str):
    """The texts called `name` (INTERACTIONS, TICKETS, CALLS, STEPS, SUMMARIES, FOLLOWUPS) of a trade style."""
    if style != "b2b":
        table = getattr(trades, name, {})
        if style in table:
            return table[style][language]
    return globals()[name][language]
