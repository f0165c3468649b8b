"""My office, files (F2) on the kit: my files and shared files (a row opens the file's page:
share or stop sharing, rename, save a copy to a folder, delete — each disabled with the engine's
reason where it refuses), and an upload form that takes a path next to the notebook.

Unshared files of others stay private in the engine; this screen lists only what it returns.
"""
from __future__ import annotations

import solara
from solara.alias import rv

from ..errors import CRMError
from . import kit

COLUMNS = [kit.Column("name", "field.file_name", sort="name", width=32),
           kit.Column("size_text", "ui.col.size", sort="size"),
           kit.Column("owner_name", "ui.col.owner_name", priority=2),
           kit.Column("shared_mark", "ui.col.shared"),
           kit.Column("description", "field.file_description", priority=3, width=30),
           kit.Column("uploaded_on", "ui.col.uploaded_on", kind="date", sort="uploaded_on", priority=2)]


def shown(crm, frame):
    """Sizes as file managers show them (the engine's own `human_size`), shared as a tick."""
    if not len(frame):
        return frame
    return frame.assign(size_text=frame["size"].map(crm.files.human_size),
                        shared_mark=frame["shared"].map(lambda s: "✓" if s else ""))


def yes_no(crm) -> tuple:
    return ((crm.t("ui.office.no"), False), (crm.t("ui.office.yes"), True))


@solara.component
def FileRecord(crm, file_id: int, on_close=None, on_deleted=None):
    """One file: its details and the actions, with the engine's reasons."""
    version, language = kit.use_workspace(crm)

    def load():
        try:
            with crm.holding():
                return (crm.files.get(file_id), crm.files.actions(file_id)), None
        except CRMError as error:
            return None, kit.failure(crm, error)

    data, problem = solara.use_memo(load, dependencies=[version, language, file_id, crm.user.id])
    if data is None:
        with solara.Column() as box:
            kit.Feedback(problem, ref="file-message")
            if on_close is not None:
                solara.Button(crm.t("ui.kit.back_to_list"), text=True, on_click=on_close).meta(ref="file-close")
        return box
    info, why = data
    t = crm.t

    def share(_v):
        done = crm.files.share(info.id, not info.shared)
        return t("ui.office.shared" if done.shared else "ui.office.unshared", name=done.name)

    def rename(v):
        return t("ui.office.renamed", name=crm.files.rename(info.id, v.get("file_name") or "").name)

    def save(v):
        return t("ui.office.saved_to", path=crm.files.save(info.id, (v.get("target_folder") or "").strip()))

    def delete(_v):
        crm.files.delete(info.id)
        text = t("ui.office.deleted", name=info.name)
        if on_deleted is not None:      # the page is gone: the confirmation shows above the list
            on_deleted(kit.Message("ok", text))
        return text

    facts = [("field.file_name", info.name), ("ui.col.size", crm.files.human_size(info.size)),
             ("ui.col.owner_name", kit.Labels.of(crm).user(info.owner_id)),
             ("field.file_shared", t("ui.office.yes" if info.shared else "ui.office.no")),
             ("field.file_description", info.description), ("ui.col.uploaded_on", kit.date(info.uploaded_on))]
    actions = [kit.Action("share", t("ui.office.unshare" if info.shared else "ui.office.share"), share,
                          reason=why["share"], color="secondary"),
               kit.Action("rename", t("ui.office.rename"), rename, reason=why["rename"], color="secondary",
                          fields=(kit.Field("file_name"),), initial={"file_name": info.name}),
               kit.Action("save", t("ui.office.save_file"), save, reason=why["save"], color="secondary",
                          fields=(kit.Field("target_folder"),), initial={"target_folder": "."}),
               kit.Action("delete", t("ui.office.delete"), delete, reason=why["delete"], color="error")]
    return kit.RecordPage(crm, f"{kit.cap(t('kind.file'))} · {info.name}", subtitle=crm.files.human_size(info.size),
                          actions=actions, on_close=on_close, ref="file",
                          tabs=[(t("ui.kit.details"), lambda: kit.Facts(crm, facts, ref="file-facts"))])


@solara.component
def UploadFile(crm):
    """Store a file in the workspace from a path next to the notebook (the engine checks size and name)."""
    fields = (kit.Field("file", placeholder="data/quote.pdf"), kit.Field("file_name"),
              kit.Field("file_shared", "select", options=yes_no(crm)), kit.Field("file_description", "textarea"))

    def upload(v):
        # Nothing given passes None: the engine explains what an upload needs, beside the box.
        info = crm.files.upload(kit.text_or_none((v.get("file") or "").strip()),
                                name=kit.text_or_none((v.get("file_name") or "").strip()),
                                shared=bool(v.get("file_shared")),
                                description=kit.text_or_none(v.get("file_description")))
        return crm.t("ui.office.uploaded", name=info.name, size=crm.files.human_size(info.size))

    return kit.ActionBar(crm, [kit.Action("upload", crm.t("ui.office.upload"), upload, fields=fields,
                                          initial={"file_shared": False})], ref="upload")


@solara.component
def FilesTab(crm):
    """My files and shared files; a row opens the file; upload one."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    notice, set_notice = solara.use_state(None)
    mine, set_mine = solara.use_state(False)
    shared, set_shared = solara.use_state(None)

    def open_file(file_id):
        set_notice(None)
        set_open_id(file_id)

    def deleted(message):
        set_notice(message)
        set_open_id(None)

    choices = [{"title": crm.t("ui.care.all"), "value": None},
               {"title": crm.t("ui.office.shared_only"), "value": True},
               {"title": crm.t("ui.office.unshared_only"), "value": False}]
    with solara.Column(gap="6px") as box:
        if open_id is not None:
            FileRecord(crm, open_id, on_close=lambda: set_open_id(None), on_deleted=deleted)
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            kit.Feedback(notice, ref="files-message")
            UploadFile(crm)
            with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "center"}):
                solara.Checkbox(label=crm.t("ui.office.my_files"), value=mine, on_value=set_mine
                                ).meta(ref="files-mine")
                rv.Select(items=choices, v_model=shared, on_v_model=set_shared, label=crm.t("field.file_shared"),
                          density="compact", hide_details=True, style_="max-width:14em").meta(ref="files-shared")
            kit.RecordList(crm, lambda **kw: shown(crm, crm.files.list(**kw)), crm.files.count, COLUMNS,
                           on_open=open_file, filters={"mine": mine, "shared": shared}, sort="uploaded_on",
                           descending=True, ref="files")
    return box
