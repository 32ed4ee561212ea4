"""The stylesheet, the script and the fonts: all served by the server, nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi.responses import FileResponse, Response

from truce.service import routes
from truce.service.dashboard.web import router
from truce.service.refusal import Refusal

STATIC = Path(__file__).resolve().parent / "static"
FONTS = Path("/usr/share/fonts/truetype/noto")
FONT_FILES = {
    "arabic.ttf": "NotoSansArabic-Regular.ttf",
    "hebrew.ttf": "NotoSansHebrew-Regular.ttf",
}
"""Fonts from Debian's fonts-noto-core, served locally (loaded only by Arabic or Hebrew text)."""


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon (answered, so a browser does not log a missing file)."""
    return Response(status_code=204)


@router.get("/static/{name}")
def static(name: Annotated[str, routes.Path(pattern=r"^[a-z0-9-]+\.(css|js|ttf)$")]) -> Response:
    """The stylesheet, the script and the fonts: all local, nothing fetched elsewhere."""
    path = FONTS / FONT_FILES[name] if name in FONT_FILES else STATIC / name
    if not path.is_file():
        raise Refusal(404, "not-found", f"no static file {name!r}")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
