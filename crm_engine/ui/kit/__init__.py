"""The one UI toolkit: Solara (Vuetify 3) components over ipywidgets — see docs/ui.md.

    from crm_engine.ui import kit
    kit.RecordList(crm, crm.opportunities.list, crm.opportunities.count, COLUMNS, on_open=…)
    kit.RecordPage(crm, title, path=kit.PathBar(crm, OPPORTUNITY, state), actions=[kit.Action(…)], tabs=[…])
    kit.Board(crm, columns, on_move=…)
    kit.mount(element, fallback=…)   # a widget for a cell or the app, readable in nbconvert too

Every component reads `use_workspace(crm)`, so an action anywhere in the workspace redraws it.
"""
from .board import Board, BoardColumn, Card
from .filters import Chip, ChipRow, Chips, StateFilter
from .fmt import Labels, blank, cap, date, is_blank, money, percent
from .form import Field, FormFields, Input, text_or_none
from .listview import STATE_COLORS, Column, RecordList, StaticTable, rows_html, table_html
from .menu import Menu
from .messages import Feedback, Message, attempt, failure
from .record import (Action, ActionBar, Facts, PathBar, RecordPage, RecordRefused, Tabs, path_states, use_record,
                     use_record_heard)
from .show import KitView, mount, plain
from .store import follow, settle, use_workspace, workspace_counter

__all__ = ["Action", "ActionBar", "Board", "BoardColumn", "Card", "Chip", "ChipRow", "Chips", "Column", "Facts",
           "Feedback", "Field", "FormFields", "Input", "KitView", "Labels", "Menu", "Message", "PathBar", "RecordList",
           "RecordPage", "StateFilter",
           "STATE_COLORS", "StaticTable", "rows_html", "Tabs", "attempt", "blank", "cap", "date", "failure", "is_blank", "money", "mount",
           "path_states", "percent", "plain", "settle", "table_html", "text_or_none", "use_workspace", "workspace_counter",
           "follow", "use_record_heard", "use_record", "RecordRefused"]
