# Sphinx settings of the offline theory site. Do not run sphinx-build on this folder
# directly: `crm-lab theory-site` (crm_engine.theory.build_site) first adds each chapter's
# quiz and the glossary generated from the CRM's catalogue, then builds one site per
# language with `language` and `project` set for that language.
author = "CRM Lab"
copyright = "CRM Lab"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"

# MyST: plain Markdown plus `(label)=` targets; no extension that needs the network.
myst_heading_anchors = 0
suppress_warnings = []

# Offline HTML: the default theme ships with Sphinx and loads nothing from the internet
# (no MathJax: the chapters write formulas as plain text).
html_theme = "alabaster"
html_theme_options = {"show_powered_by": False, "sidebar_collapse": True}
html_show_sphinx = False
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
# The quizzes' check buttons (same check and feedback as the notebook), offline.
html_static_path = ["_static"]
html_js_files = ["crm_quiz.js"]
highlight_language = "none"


def setup(app):
    """Chinese search: Sphinx 9's zh search ships the English stemmer (Latin words in Chinese
    pages are stemmed as English) but names it `ChineseStemmer` in language_data.js, which
    does not exist, so search.html stopped with "ChineseStemmer is not defined". The same
    search language under the stemmer's real name fixes it; Chinese words are split by jieba
    (a dependency of the site)."""
    from sphinx.search.zh import SearchChinese

    class SearchChineseWithItsStemmer(SearchChinese):
        language_name = "English"

    app.add_search_language(SearchChineseWithItsStemmer)
    return {"parallel_read_safe": True}
