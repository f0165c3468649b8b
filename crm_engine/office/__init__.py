"""My office (F1–F5): the work schedule, files, address books, the notice board and the message centre.

The facade hands out each part as its own area: `crm.tasks`, `crm.files`,
`crm.address_book`, `crm.notices`, `crm.messages`.
"""
