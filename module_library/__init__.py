"""The module SDK: modules are pure functions over tables, declared with `@module`; no Dagster here.

This is the one surface module authors import (`from module_library import ModuleParams, module`);
the files behind it each hold one concern: `declare` (`module`, `source`, `sink`), `params`,
`ports`, `module_spec` (`ModuleSpec`), `calling` (the engine boundary and `ModuleResult`), `needs`
(projection pushdown), `checks` (column checks with did-you-mean), `registry`.
"""

from module_library.calling import ModuleResult
from module_library.checks import require_columns, require_numeric, require_text
from module_library.declare import module, sink, source
from module_library.module_spec import ModuleSpec
from module_library.needs import Needs, Wanted
from module_library.params import ModuleParams, NoParams
from module_library.ports import Port, many, optional
from module_library.registry import MODULES, get_module, register

__all__ = [
    "MODULES",
    "ModuleParams",
    "ModuleResult",
    "ModuleSpec",
    "Needs",
    "NoParams",
    "Port",
    "Wanted",
    "get_module",
    "many",
    "module",
    "optional",
    "register",
    "require_columns",
    "require_numeric",
    "require_text",
    "sink",
    "source",
]
