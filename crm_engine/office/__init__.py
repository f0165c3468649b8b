"""My office (F1–F5): the work schedule, files, address books, the notice board and the message centre.

The facade hands out each part as its own area: `crm.tasks`, `crm.files`,
`crm.address_book`, `crm.notices`, `crm.messages`.

Importing the package registers the office records that are a customer's history and the open
tasks that move at a rep's hand-over (customers/registry.py), and the settings its rules read
(crm_engine/settings.py).
"""
from .. import settings, validate
from ..customers import registry
from .messages import check_flag, check_smtp_host

registry.keeps_history("tasks", zh="任务", order=50)
registry.keeps_history("message_recipients", zh="消息", order=51)
# open customer tasks move with the rep's customers (tasks.py)
registry.moves_at_handover("tasks", "status = 'open' AND customer_id IS NOT NULL", order=50)
registry.stays_at_handover("files", "a file belongs to whoever uploaded it")
registry.stays_at_handover("address_book", "a personal address book stays with its owner")

# the rules are documented in office/files.py and office/messages.py
settings.register("file_max_bytes",
                  lambda v: validate.integer(v, "file_max_bytes", minimum=1024, maximum=1024 ** 3))
settings.register("smtp_host", check_smtp_host)
settings.register("smtp_port", lambda v: validate.integer(v, "smtp_port", minimum=1, maximum=65535))
settings.register("smtp_sender", lambda v: validate.email(v, "smtp_sender") or "crm-lab@localhost")
settings.register("smtp_starttls", lambda v: check_flag(v, "smtp_starttls"))
