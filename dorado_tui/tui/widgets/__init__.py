"""Console widgets: panes, tables, charts, banners, the status bar."""
