"""The embedded admin, one package per area: home (checklist, dashboard), flows (list,
editor, preview), people (customers and messages), search (keywords, simulator), settings
(LINE) and privacy. Each area holds its pages (views), JSON API (api), reads (queries and
the like), texts (texts.toml, keys admin.<area>.…) and OpenAPI fragment (openapi).

What every area shares sits at this level: rendering a page (pages), JSON bodies and
errors (http), server-drawn charts (charts), OpenAPI building blocks (schemas) and the
assembled document (openapi), and the blueprints create_app registers (blueprints).
The admin may import any domain (flows, line, search, sync, tracking, …); no domain
imports the admin.
"""
