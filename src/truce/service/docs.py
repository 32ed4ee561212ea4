"""Interactive API docs at /docs with every asset served by this process (no CDN): Swagger UI
from the ``swagger-ui-bundle-v2`` package, mounted at /docs/assets."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


def mount_docs(app: FastAPI) -> None:
    """GET /docs (and its assets); where the bundle is not installed, /docs says so."""
    try:
        import swagger_ui_bundle
    except ImportError:
        swagger_ui_bundle = None

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        if swagger_ui_bundle is None:
            return HTMLResponse(
                "API docs need the service extra: pip install 'truce[service]'; the API "
                "description is at /openapi.json",
                status_code=501,
            )
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="truce API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    if swagger_ui_bundle is not None:
        app.mount(
            "/docs/assets",
            StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
            name="docs-assets",
        )
