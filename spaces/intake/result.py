"""What a validated file becomes: the rows the store writes, with the warnings found on the way."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from spaces.errors import Problem


@dataclass
class Intake:
    """A validated file: ``frame`` holds canonical columns (EPSG:4326); ``problems`` only warnings."""

    layer: str
    file: str
    frame: pd.DataFrame
    problems: list[Problem]
    source_crs: str | None

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]
