"""Each script once per page.

sphinx-thebe (pulled in by jupyter-book even with launch buttons off) adds its inline
configuration script twice in a full build, and the second ``const THEBE_JS_URL`` is a
JavaScript error on every page. This drops repeated scripts from each page's list.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        key = (
            getattr(js, "filename", str(js)) or "",
            tuple(sorted(getattr(js, "attributes", {}).items())),
        )
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
