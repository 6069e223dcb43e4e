"""DataOps: tabular data flowcharts compiled to Dagster jobs."""
