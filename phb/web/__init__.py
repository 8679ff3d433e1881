"""The web layer: Litestar app, pages, JSON API, security middleware."""
