"""Example DataOps plugin package; its modules register when the entry point imports them."""
