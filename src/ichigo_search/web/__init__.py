"""The web search page and JSON API (``ichigo-search serve``).

Importing this package is cheap; Starlette, Jinja2 and uvicorn load in
:mod:`ichigo_search.web.app` and inside the ``serve`` command.
"""
