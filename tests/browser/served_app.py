"""A minimal Solara app for tests/browser/test_served_offline.py, and the script that serves it.

    python tests/browser/served_app.py PORT [--no-assets]

serves this module's `Page` under uvicorn on 127.0.0.1:PORT the way the team server starts: `configure()`
points Solara at the local page assets and `only_local()` wraps its app; or, with --no-assets, with
Solara's own defaults.
"""
import os
import sys

import solara


@solara.component
def Page():
    clicks = solara.use_reactive(0)
    with solara.Column():
        solara.Text("Served offline" if clicks.value == 0 else f"Clicked {clicks.value}", classes=["served-text"])
        solara.Button("Click me", on_click=lambda: clicks.set(clicks.value + 1), color="primary",
                      classes=["served-button"])


if __name__ == "__main__":
    port = int(sys.argv[1])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ["SOLARA_APP"] = "served_app:Page"
    if "--no-assets" in sys.argv:
        # Solara's defaults as a plain `solara run` behind a proxy it cannot use: the page asks the CDN itself
        solara.settings.assets.proxy = False  # `import solara` above has read the environment already
        os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
        app = "solara.server.starlette:app"
    else:
        from crm_engine.serve.assets import configure, only_local
        configure()
        import solara.server.starlette  # after configure(): its routes are built from the settings
        app = only_local(solara.server.starlette.app)
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
