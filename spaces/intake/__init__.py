"""What comes in: reading files, limits, validation against the schemas, uploads and plot status updates."""

# Plot status updates (spaces.intake.status) are imported from their module: it uses the store, and the
# store imports Intake from this package, so importing it here would make a cycle.
from .readers import read_any, read_bytes
from .result import Intake
from .upload import CRS_CHOICES, UploadCheck, check_upload, presented_report, problem_text
from .validation import validate_bytes, validate_file, validate_frame, validate_values

__all__ = [
    "CRS_CHOICES",
    "Intake",
    "UploadCheck",
    "check_upload",
    "presented_report",
    "problem_text",
    "read_any",
    "read_bytes",
    "validate_bytes",
    "validate_file",
    "validate_frame",
    "validate_values",
]
