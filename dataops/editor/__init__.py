"""The flowchart editor: a small ASGI app serving a browser node editor and a JSON API beside Dagster.

It reads and writes the same flowchart files the code location compiles, validates with the
same validator as `dataops validate`, and talks to Dagster only through its GraphQL API.
"""
