"""Documents to download: one way to answer with a file, and one way to turn a page template into a PDF.

A PDF is rendered by WeasyPrint from the same template as the printable page, with the area's print
stylesheet, so the paper and the screen never disagree. WeasyPrint is heavy to import, so only a PDF
download pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.response import Response

STATIC = Path(__file__).resolve().parent / "static"
PDF = "application/pdf"


def download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    """A file the browser saves as ``filename`` (never shown inline)."""
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def render_pdf(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any], stylesheet: str | None
) -> bytes:
    """``template`` rendered with ``context`` as PDF bytes, styled by ``static/<stylesheet>`` when given."""
    from weasyprint import CSS, HTML  # noqa: PLC0415 - heavy; only PDF downloads pay for it

    engine = request.app.template_engine
    assert engine is not None  # noqa: S101 - the app is always built with a template engine
    html = engine.get_template(template).render(**context)
    stylesheets = [CSS(filename=str(STATIC / stylesheet))] if stylesheet else []
    return bytes(HTML(string=html).write_pdf(stylesheets=stylesheets))


def pdf_response(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    filename: str,
    stylesheet: str | None = None,
) -> Response[bytes]:
    """A PDF download of ``template``: see :func:`render_pdf`."""
    return download(render_pdf(request, template, context, stylesheet), PDF, filename)
