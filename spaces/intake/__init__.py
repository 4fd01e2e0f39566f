"""What comes in: reading files, limits, validation against the schemas, uploads and plot status updates."""

from .enterprises import Known
from .readers import read_any, read_bytes
from .result import Intake
from .status import update_plot_status, validate_plot_status
from .upload import CRS_CHOICES, UploadCheck, check_upload, presented_report, problem_text
from .validation import validate_bytes, validate_file, validate_frame, validate_values

__all__ = [
    "CRS_CHOICES",
    "Intake",
    "Known",
    "UploadCheck",
    "check_upload",
    "presented_report",
    "problem_text",
    "read_any",
    "read_bytes",
    "update_plot_status",
    "validate_bytes",
    "validate_file",
    "validate_frame",
    "validate_plot_status",
    "validate_values",
]
