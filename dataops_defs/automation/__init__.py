"""Schedules, file-watch sensors and run notifications for flowcharts."""

from dataops_defs.automation.notify import make_notify_sensors
from dataops_defs.automation.schedule import make_schedule
from dataops_defs.automation.watch import make_watch_sensor

__all__ = ["make_notify_sensors", "make_schedule", "make_watch_sensor"]
