"""Built-in modules; importing this package registers them all."""

from module_library.builtin import aggregate, columns, combine, rows, sources

__all__ = ["aggregate", "columns", "combine", "rows", "sources"]
