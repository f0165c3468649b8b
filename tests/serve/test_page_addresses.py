"""A served page's addresses (crm_engine/serve/page.py): `/<module>` and `/<module>/<id>` — what they name,
and that Solara's router knows every module's address (before, `/opportunities` was Solara's 404)."""
from crm_engine.serve import page
from crm_engine.ui.app import MODULES, RECORD_MODULES


def test_an_address_names_a_module_and_a_record_of_it():
    assert page.address(["opportunities", "12"]) == ("opportunities", 12)
    assert page.address(["service"]) == ("service", None)
    assert page.address([""]) == (None, None)                               # "/"
    assert page.address(["opportunities", "twelve"]) == ("opportunities", None)
    assert page.address(["opportunities", "9" * 40]) == ("opportunities", None)  # no id that long
    assert page.address(["theory", "3"]) == ("theory", None)                # no records by id there
    assert page.address(["nowhere", "3"]) == (None, None)
    for name in RECORD_MODULES:
        assert page.address(page.path_of(name, 7).split("/")) == (name, 7)
    assert page.path_of(None, None) == "/" and page.path_of("leads", None) == "/leads"


def test_solaras_router_knows_every_modules_address_and_a_records():
    import solara.routing

    for name in MODULES:
        for path in (f"/{name}", f"/{name}/12"):
            router = solara.routing.Router(path, page.routes)
            assert router.possible_match and router.path_routes[0].component is page.Page, path
    assert not solara.routing.Router("/nowhere", page.routes).possible_match
