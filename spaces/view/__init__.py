"""What the pages draw: deck.gl layers, charts, basemaps, URL state, detail panels, the directory."""
