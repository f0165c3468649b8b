"""The texts of the other trades: a training school (`style = "school"`) and a wholesaler of
everyday goods supplying small shops (`style = "retail"`). Same shapes as texts.py, which holds
the business-to-business ones (`"b2b"`); `texts.phrases(name, style, language)` picks.

Plan-step actions use the words reaction.classify() reads (call / visit / proposal / negotiate).
"""
from __future__ import annotations

INTERACTIONS = {
    "school": {
        "en": {"phone": [("Follow-up call", "Called {contact} about progress in {product}."),
                         ("Exam reminder", "Reminded {contact} of the {product} exam date.")],
               "visit": [("Meeting at school", "{contact} came to school to talk about {product}.")],
               "email": [("Course schedule sent", "E-mailed the {product} timetable to {contact}.")],
               "wechat": [("WeChat question", "{contact} asked on WeChat about {product} homework."),
                          ("Class group notice", "Posted the {product} class notice for {contact}.")],
               "meeting": [("Parents' meeting", "Met {contact} at the parents' meeting about {product}.")]},
        "zh_CN": {"phone": [("电话回访", "致电{contact}，了解{product}的学习进度。"),
                            ("考试提醒", "提醒{contact}{product}的考试时间。")],
                  "visit": [("到校面谈", "{contact}到校面谈{product}的学习情况。")],
                  "email": [("发送课表", "通过邮件向{contact}发送{product}课表。")],
                  "wechat": [("微信答疑", "{contact}在微信上咨询{product}作业问题。"),
                             ("班级群通知", "在班级群发布{product}上课通知。")],
                  "meeting": [("家长会", "在家长会上与{contact}交流{product}学习情况。")]},
    },
    "retail": {
        "en": {"phone": [("Order by phone", "{contact} phoned in an order of {product}."),
                         ("Stock check", "Called {contact} to check stock of {product}.")],
               "visit": [("Route visit", "Visited {customer}; checked the shelf of {product}."),
                         ("Display set-up", "Set up a display of {product} at {customer}.")],
               "email": [("Price list sent", "E-mailed this month's price list for {product} to {contact}.")],
               "wechat": [("WeChat order", "{contact} ordered {product} on WeChat."),
                          ("Promotion shared", "Sent {contact} the weekend promotion on {product}.")],
               "meeting": [("Ordering fair", "Met {contact} at the ordering fair; talked about {product}.")]},
        "zh_CN": {"phone": [("电话订货", "{contact}来电订购{product}。"), ("查库存", "致电{contact}了解{product}库存。")],
                  "visit": [("线路拜访", "拜访{customer}，检查{product}陈列。"), ("铺货陈列", "在{customer}布置{product}陈列。")],
                  "email": [("发送价目表", "向{contact}发送本月{product}价目表。")],
                  "wechat": [("微信下单", "{contact}通过微信订购{product}。"), ("分享促销", "向{contact}推送周末{product}促销。")],
                  "meeting": [("订货会", "在订货会上与{contact}洽谈{product}。")]},
    },
}

TICKETS = {
    "school": {
        "en": {"consultation": [("Question about {product}", "When does the next {product} class start, and is "
                                 "there a weekend group?", "Sent the timetable and the weekend options for {product}.",
                                 "Student chose the weekend group.")],
               "complaint": [("Teacher changed in {product}", "The {product} teacher was replaced twice this month.",
                              "Apologised; a permanent teacher is now assigned to {product}.", "Student accepts."),
                             ("Class cancelled", "The {product} class was cancelled without notice.",
                              "Apologised and scheduled a make-up lesson.", "Make-up lesson attended.")],
               "suggestion": [("Suggestion: online replays", "Could the {product} lessons be recorded?",
                               "Passed to the teaching office; replays start next term.", "Student pleased.")],
               "repair": [("Classroom equipment", "The projector in the {product} classroom does not work.",
                           "Facilities replaced the projector.", "Works again.")],
               "other": [("Invoice for {product}", "I need an invoice for the {product} fee for my employer.",
                          "Issued the invoice.", "Invoice received.")]},
        "zh_CN": {"consultation": [("{product}咨询", "下一期{product}什么时候开班？有周末班吗？",
                                    "发送{product}开班时间和周末班安排。", "学员选择了周末班。")],
                  "complaint": [("{product}频繁换老师", "这个月{product}换了两次老师。", "向学员道歉，已为{product}固定任课老师。",
                                 "学员表示接受。"),
                                ("临时停课", "{product}课程临时取消也没通知。", "道歉并安排补课。", "已参加补课。")],
                  "suggestion": [("建议：课程回放", "{product}的课能不能录下来回看？", "已转教务处，下学期开通回放。",
                                  "学员很满意。")],
                  "repair": [("教室设备故障", "{product}教室的投影仪坏了。", "后勤已更换投影仪。", "已恢复正常。")],
                  "other": [("{product}发票", "单位报销需要{product}学费发票。", "已开具发票。", "已收到发票。")]},
    },
    "retail": {
        "en": {"consultation": [("Price of {product}", "What is the case price of {product} this month?",
                                 "Sent the price list; explained the volume discount on {product}.",
                                 "Owner placed an order.")],
               "complaint": [("Late delivery", "The {product} we ordered on Monday came on Thursday.",
                              "Apologised; moved the shop to the morning route.", "Owner accepts."),
                             ("Short delivery", "Two cases of {product} were missing from the delivery.",
                              "Delivered the missing cases the next day.", "Received.")],
               "repair": [("Expired stock", "Some {product} is close to its expiry date; can we return it?",
                           "Exchanged the short-dated {product}.", "Exchange done.")],
               "suggestion": [("Suggestion: smaller packs", "Could you supply {product} in smaller packs?",
                               "Passed to purchasing; smaller packs listed next month.", "Owner pleased.")],
               "other": [("Invoice question", "The invoice for {product} has the wrong shop name.",
                          "Reissued the invoice.", "Correct invoice received.")]},
        "zh_CN": {"consultation": [("{product}价格咨询", "这个月{product}整箱什么价？", "发送价目表，说明{product}的批量优惠。",
                                    "店主已下单。")],
                  "complaint": [("送货太晚", "周一订的{product}周四才送到。", "道歉并把该店调到上午线路。", "店主表示接受。"),
                                ("少货", "送来的{product}少了两箱。", "次日补送。", "已收到。")],
                  "repair": [("临期商品", "有些{product}快过期了，能退吗？", "已调换临期{product}。", "已完成调换。")],
                  "suggestion": [("建议：小包装", "{product}能不能供小包装？", "已转采购部，下月上架小包装。", "店主很满意。")],
                  "other": [("发票问题", "{product}的发票店名写错了。", "已重开发票。", "已收到正确发票。")]},
    },
}

CALLS = {
    "school": {"en": {"known": ["Student asks about the {product} exam date", "Parent asks about progress in {product}",
                                "Student wants to switch the {product} class time"],
                      "unknown": ["Caller interested in {product}; asks about fees and start dates",
                                  "Parent asks whether {product} suits a school leaver",
                                  "Caller asks about the next open day and {product}"]},
               "zh_CN": {"known": ["学员询问{product}考试时间", "家长询问{product}学习情况", "学员想调整{product}上课时间"],
                         "unknown": ["来电咨询{product}学费和开班时间", "家长咨询{product}是否适合毕业生",
                                     "来电询问下次开放日和{product}"]}},
    "retail": {"en": {"known": ["Shop owner orders more {product}", "Owner complains that {product} arrived late",
                                "Owner asks about this week's price of {product}"],
                      "unknown": ["New shop wants to stock {product}; asks for terms",
                                  "Caller opening a store asks who delivers {product} in the area"]},
               "zh_CN": {"known": ["店主来电追加{product}", "店主投诉{product}送货晚", "店主询问本周{product}价格"],
                         "unknown": ["新开的店想进{product}，询问合作条件", "准备开店，询问当地谁配送{product}"]}},
}

STEPS = {
    "school": {"en": {1: ("Phone call with {contact}: what they want to learn", "{contact} is interested in {product}."),
                      2: ("Invite {contact} to visit the school and a trial class of {product}",
                          "Came to the trial class; liked it."),
                      3: ("Send the course proposal and fee quotation for {product}", "Asked about paying in instalments."),
                      4: ("Negotiate enrolment and payment terms", "Agreed; will sign the enrolment form.")},
               "zh_CN": {1: ("电话沟通{contact}：了解学习需求", "{contact}对{product}有兴趣。"),
                         2: ("邀请{contact}到校参观并试听{product}", "参加了试听，感觉不错。"),
                         3: ("发送{product}课程方案和报价", "询问能否分期付款。"),
                         4: ("商谈报名与付款方式（签约）", "同意报名，将签报名表。")}},
    "retail": {"en": {1: ("Phone call with {contact}: what the shop sells", "{contact} wants to hear about {product}."),
                      2: ("Visit {customer}: look at the shelves, bring {product} samples", "Owner liked the samples."),
                      3: ("Send a first-order proposal and price quotation for {product}", "Asks for a better price."),
                      4: ("Negotiate credit terms and the first delivery", "Agreed; first order next week.")},
               "zh_CN": {1: ("电话沟通{contact}：了解经营品类", "{contact}想了解{product}。"),
                         2: ("拜访{customer}：查看货架，送{product}样品", "店主对样品满意。"),
                         3: ("发送{product}首单方案和报价", "要求价格再优惠些。"),
                         4: ("谈判账期和首批送货（签约）", "谈妥，下周首单。")}},
}

SUMMARIES = {
    "school": {"en": ["Enrol in {product}", "{qty} staff for {product} (company training)", "Join the next {product} class"],
               "zh_CN": ["报名{product}", "企业{qty}名员工参加{product}", "参加下一期{product}"]},
    "retail": {"en": ["New shop: first order of {product}", "Add {product} to the shelves", "{qty} cases of {product} a month"],
               "zh_CN": ["新店首单：{product}", "新增{product}铺货", "每月{qty}箱{product}"]},
}

FOLLOWUPS = {
    "school": {"en": ["Called; wants the timetable", "Sent the brochure on WeChat", "Invited to the open day",
                      "No answer; try again next week"],
               "zh_CN": ["已致电，索要课表", "已在微信发送招生简章", "已邀请参加开放日", "未接通，下周再联系"]},
    "retail": {"en": ["Visited the shop; owner busy, come back", "Sent the price list on WeChat",
                      "Called; compares with their current supplier", "No answer; try again next week"],
               "zh_CN": ["已上门，店主忙，改天再来", "微信发送价目表", "已致电，对方在和现有供货商比较", "未接通，下周再联系"]},
}
