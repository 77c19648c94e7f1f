"""What a lint rule reports: a :class:`ConfigFinding` at a file and line, with a severity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probe.apache.model import Site


class Severity(StrEnum):
    ERROR = "error"  # requests are (or will be) served wrongly, or httpd refuses the config
    WARNING = "warning"  # requests may be served wrongly
    NOTE = "note"  # could not check something; does not fail the lint

    @property
    def fails(self) -> bool:
        return self is not Severity.NOTE


@dataclass(frozen=True)
class ConfigFinding:
    code: str
    severity: Severity
    file: str
    line: int
    message: str
    fix: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @classmethod
    def at(cls, code: str, severity: Severity, where: str, message: str,
           fix: str | None = None) -> ConfigFinding:
        """A finding at ``where``, ``FILE:LINE`` as the configuration models give it."""
        file, _, line = where.rpartition(":")
        return cls(code, severity, file, int(line) if line.isdigit() else 0, message, fix)


Rule = Callable[["Site"], list[ConfigFinding]]
