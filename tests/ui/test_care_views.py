"""The care modules are in the app's menu. (The screens themselves are on the kit: tests/ui/test_churn_screen.py,
test_service_screen.py, test_call_center_screen.py; the customer's record page, classification and the dictionary
editor: test_customer_screens.py, test_classification_screens.py, test_admin_screens.py.)"""
from crm_engine.ui import app as app_module


def test_care_modules_are_in_the_menu(crm):
    shell = app_module.App(crm.as_user("sun.li"))
    for name in ("churn", "service", "call_center"):
        shell.menu.value = name
        assert type(shell.view).__name__ == {"churn": "ChurnModule", "service": "ServiceModule",
                                             "call_center": "CallCenterModule"}[name]
