"""Remote modules, DataOps side: the registrations (in the Dagster instance's storage), the
discovery source that turns them into modules, and the Python service behind `dataops serve-module`.

The client half (how a registered module is called) is `module_library.remote`.
"""
