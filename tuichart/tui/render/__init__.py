"""Drawing helpers with no widget state: chart views, plotext fast paths, cells, colours and formats."""
