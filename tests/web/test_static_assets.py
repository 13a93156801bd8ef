"""The vendored GOV.UK and MoJ Frontend assets (scripts/vendor-frontend) and the base
layout: what layout.html and app.js refer to exists, the CSS's url(...)s resolve,
VERSIONS.md matches the files, and the layout renders with user text escaped."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

WEB = Path(__file__).resolve().parents[2] / "auditor" / "web"
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
VENDORED_CSS = [
    STATIC / "govuk" / "govuk-frontend.min.css",
    STATIC / "moj" / "moj-frontend.min.css",
]


def static_paths_in_layout() -> list[str]:
    text = (TEMPLATES / "layout.html").read_text(encoding="utf-8")
    return re.findall(r"url_for\('static', path='([^']+)'\)", text)


def test_the_layout_refers_to_vendored_css_and_js_that_exist():
    paths = static_paths_in_layout()
    for wanted in ("govuk/govuk-frontend.min.css", "moj/moj-frontend.min.css", "app.css", "app.js"):
        assert wanted in paths
    missing = [p for p in paths if not (STATIC / p).is_file()]
    assert missing == []


def test_app_js_imports_initall_from_vendored_module_builds():
    app_js = (STATIC / "app.js").read_text(encoding="utf-8")
    imports = re.findall(r"import \{ initAll as (\w+) \} from '(\./[^']+)'", app_js)
    assert {path for _, path in imports} == {
        "./govuk/govuk-frontend.min.js",
        "./moj/moj-frontend.min.js",
    }
    for name, path in imports:
        module = (STATIC / path).read_text(encoding="utf-8")
        assert re.search(r"export ?\{[^}]*\binitAll\b", module), path
        assert f"{name}()" in app_js


@pytest.mark.parametrize("css", VENDORED_CSS, ids=lambda p: p.name)
def test_every_url_in_the_vendored_css_resolves(css: Path):
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+?)['\"]?\s*\)", css.read_text(encoding="utf-8"))
    urls = [u for u in urls if not u.startswith(("data:", "#"))]
    assert urls, "no url(...) found: the pattern no longer matches the CSS"
    absolute = [u for u in urls if u.startswith("/") or "://" in u]
    assert absolute == []
    missing = [u for u in urls if not (css.parent / u.split("?")[0].split("#")[0]).is_file()]
    assert missing == []


def test_versions_md_matches_the_vendored_files():
    versions = (STATIC / "VERSIONS.md").read_text(encoding="utf-8")
    govuk_css = VENDORED_CSS[0].read_text(encoding="utf-8")
    moj_css = VENDORED_CSS[1].read_text(encoding="utf-8")
    govuk = re.search(r'--govuk-frontend-version:\s*"([\d.]+)"', govuk_css)
    moj = re.search(r'--moj-frontend-version:\s*"([\d.]+)"', moj_css)
    assert govuk and moj
    assert re.search(rf"`govuk-frontend` \| {re.escape(govuk[1])} \|", versions)
    assert re.search(rf"`@ministryofjustice/frontend` \| {re.escape(moj[1])} \|", versions)
    for js, version in (
        (STATIC / "govuk" / "govuk-frontend.min.js", govuk[1]),
        (STATIC / "moj" / "moj-frontend.min.js", moj[1]),
    ):
        assert f'const version="{version}"' in js.read_text(encoding="utf-8")


NAV_ITEMS = [
    ("Worklist", "/exceptions", "worklist"),
    ("Trends", "/trends", "trends"),
    ("Users", "/users", "users"),
]


def render_layout(**context) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals["url_for"] = lambda name, path: f"/{name}/{path}"
    return env.get_template("layout.html").render(**context)


def test_the_layout_renders_with_user_text_escaped():
    html = render_layout(
        nav_items=NAV_ITEMS,
        nav="trends",
        user=SimpleNamespace(display_name="<script>alert(1)</script>"),
        csrf_token='t"k',
        phase_text="Synthetic demo data",
    )
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert '<a href="/exceptions" class="govuk-service-navigation__link">Auditor</a>' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<form method="post" action="/logout"' in html
    assert '<input type="hidden" name="csrf_token" value="t&#34;k">' in html
    assert re.search(r'href="/trends"\s+aria-current="true"', html)
    assert html.count("aria-current") == 1
    assert "Synthetic demo data" in html
    assert 'href="/static/govuk/govuk-frontend.min.css"' in html
    assert '<script type="module" src="/static/app.js"></script>' in html


def test_the_layout_renders_signed_out_with_nothing_but_url_for():
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.globals["url_for"] = lambda name, path: f"/{name}/{path}"
    # StrictUndefined: the optional variables are all tested with `is defined`.
    html = env.get_template("layout.html").render()
    assert "/logout" not in html
    assert "govuk-service-navigation__list" not in html
    assert "<title> – Auditor</title>" in html


def test_the_macros_escape_and_map_values():
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    ui = env.get_template("macros.html").module
    assert str(ui.severity_tag("high")) == '<strong class="govuk-tag govuk-tag--red">High</strong>'
    assert str(ui.triage_tag(None)) == ""
    assert "Done – awaiting next run" in str(ui.triage_tag("done"))
    assert "Record not examined" in str(ui.status_tag("record_missing"))
    assert str(ui.csrf_field("<x>")) == '<input type="hidden" name="csrf_token" value="&lt;x&gt;">'
    assert str(ui.pagination(None, None)) == ""
    assert 'rel="next"' in str(ui.pagination(None, "/exceptions?page=2"))
