"""My office, files (F2): still an ipywidgets view (`ui/base.py`), shown inside the kit's office
module (`office.py`) until it is rebuilt on the kit.

Unshared files stay private in the engine; this view lists only what the engine returns.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..office.files import human_size
from . import base
from .base import Form, PagedList, View


# -- files -------------------------------------------------------------------------------
class UploadForm(Form):
    """Store a file in the workspace: chosen in the browser, or a path next to the notebook."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.chooser = widgets.FileUpload(multiple=False, description=crm.t("ui.office.choose_file"))
        self.path = base.text_field(crm, "path")
        self.name = base.text_field(crm, "file_name")
        self.shared = widgets.Checkbox(value=False, description=crm.t("field.file_shared"))
        self.description_text = base.text_field(crm, "file_description")
        self.upload = base.button(crm, "ui.office.upload", "primary")
        self.upload.on_click(self._on_upload)
        super().__init__(crm, [self.row("file", widgets.HBox([self.chooser, self.path])),
                               self.row("file_name", self.name), self.shared,
                               self.row("file_description", self.description_text), self.upload])

    def _source(self):
        if self.chooser.value:
            chosen = self.chooser.value[0]
            return bytes(chosen["content"]), chosen["name"]
        return self.path.value.strip() or None, None

    def _on_upload(self, _button):
        # Nothing chosen passes None: the engine explains what an upload needs.
        source, chosen_name = self._source()
        info = self._attempt(self.crm.files.upload, source, name=self.name.value.strip() or chosen_name,
                             shared=self.shared.value, description=self.description_text.value or None)
        if info is not None:
            self.show_ok(self.t("ui.office.uploaded", name=info.name, size=human_size(info.size)))
            self.chooser.value = ()
            self.path.value = self.name.value = self.description_text.value = ""
            if self._on_saved:
                self._on_saved(info.id)


class FileActions(Form):
    """Share or unshare, rename, delete or save out the file on screen."""

    def __init__(self, crm, on_done=None):
        self.file_id, self._on_done = None, on_done
        self.card = widgets.HTML()
        self.share = base.button(crm, "ui.office.share")
        self.new_name = base.text_field(crm, "file_name")
        self.rename = base.button(crm, "ui.office.rename")
        self.folder = widgets.Text(value=".", description=crm.t("field.target_folder"), style=base.WIDE)
        self.save = base.button(crm, "ui.office.save_file")
        self.delete = base.button(crm, "ui.office.delete", "danger")
        self.share.on_click(self._on_share)
        self.rename.on_click(self._on_rename)
        self.save.on_click(self._on_save)
        self.delete.on_click(self._on_delete)
        super().__init__(crm, [self.card, self.share, widgets.HBox([self.row("file_name", self.new_name), self.rename]),
                               widgets.HBox([self.row("target_folder", self.folder), self.save]), self.delete])

    def show_file(self, file_id: int) -> None:
        info = self._attempt(self.crm.files.get, file_id)
        if info is None:
            return
        if info.id != self.file_id:
            self.clear_status()
        self.file_id, self.shared = info.id, info.shared
        self.card.value = "<h4>" + html.escape(info.name) + "</h4>" + base.card(self.crm, [
            ("size", human_size(info.size)), ("file_shared", self.t("ui.office.yes" if info.shared else "ui.office.no")),
            ("file_description", info.description), ("uploaded_on", base.day(info.uploaded_on))])
        self.share.description = self.t("ui.office.unshare" if info.shared else "ui.office.share")
        self.new_name.value = info.name

    def _on_share(self, _button):
        info = self._attempt(self.crm.files.share, self.file_id, not self.shared)
        if info is not None:
            self._done(info.id, "ui.office.shared" if info.shared else "ui.office.unshared", name=info.name)

    def _on_rename(self, _button):
        info = self._attempt(self.crm.files.rename, self.file_id, self.new_name.value)
        if info is not None:
            self._done(info.id, "ui.office.renamed", name=info.name)

    def _on_save(self, _button):
        path = self._attempt(self.crm.files.save, self.file_id, self.folder.value)
        if path is not None:
            self.show_ok(self.t("ui.office.saved_to", path=path))

    def _on_delete(self, _button):
        info = self._attempt(self.crm.files.get, self.file_id)
        if info is not None:
            self._attempt(self.crm.files.delete, info.id)
        if info is not None and not self.failed:
            self.card.value = ""
            self.show_ok(self.t("ui.office.deleted", name=info.name))
            if self._on_done:
                self._on_done(None)

    def _done(self, file_id, key: str, **params):
        self.show_file(file_id)
        self.show_ok(self.t(key, **params))
        if self._on_done:
            self._on_done(file_id)


class FilesView(View):
    """My files and shared files; upload one; open one to share, rename, save out or delete it."""

    def __init__(self, crm):
        self.mine = widgets.Checkbox(value=False, description=crm.t("ui.office.my_files"))
        self.shared = widgets.Dropdown(options=[(crm.t("ui.care.all"), None), (crm.t("ui.office.shared_only"), True),
                                                (crm.t("ui.office.unshared_only"), False)],
                                       description=crm.t("field.file_shared"), style=base.WIDE)
        self.list = PagedList(
            self, crm, self._files, ["name", "size", "owner_name", "shared", "file_description", "uploaded_on"],
            count=self._file_count, search=True,
            sort=(("uploaded_on", True), ("name", False), ("size", True)),
            filters={"mine": self.mine, "shared": self.shared},
            formats={"size": human_size, "shared": lambda v: "✓" if v else "", "uploaded_on": base.day},
            describe=lambda r: f"{r.name} · {r.owner_name}", on_open=self.open_file)
        self.actions = FileActions(crm, on_done=lambda _id: self.list.refresh())
        base.shown(self.actions, False)
        self.form = UploadForm(crm, on_saved=lambda _id: self.list.refresh())
        self.tabs = widgets.Tab([widgets.VBox([self.list, self.actions]), self.form])
        self.tabs.set_title(0, crm.t("ui.office.files"))
        self.tabs.set_title(1, crm.t("ui.office.upload"))
        super().__init__(crm, [self.tabs])
        self.list.refresh()

    def _files(self, mine: bool = False, shared=None, **page):
        # `shared=False` is a filter too (unshared only), so it is passed through explicitly.
        frame = self.crm.files.list(mine=mine, shared=self.shared.value, **page)
        return frame.rename(columns={"description": "file_description"})

    def _file_count(self, mine: bool = False, shared=None, **search):
        return self.crm.files.count(mine=mine, shared=self.shared.value, **search)

    def open_file(self, file_id: int):
        self.actions.show_file(file_id)
        base.shown(self.actions, True)
