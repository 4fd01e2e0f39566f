"""What comes in: reading files, limits, validation against the schemas, uploads and plot status updates."""
