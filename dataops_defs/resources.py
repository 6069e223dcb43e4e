"""Resources shared by every flowchart job."""

from __future__ import annotations

from adapters.io_manager import ArrowIOManager
from dataops.settings import Settings


def make_resources(settings: Settings) -> dict[str, object]:
    return {"io_manager": ArrowIOManager(base_dir=settings.storage_url)}
