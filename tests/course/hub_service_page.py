"""The page of the stand-in CRM server (tests/course/hub_service.py)."""
import solara


@solara.component
def Page():
    solara.Text("CRM Lab hub test page")
