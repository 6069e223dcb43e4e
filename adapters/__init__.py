"""Format adapters (one format per file) and the IO manager that hands data between steps."""
