"""The evaluation harness's errors, under Socle's one tree (`socle.errors`).

SocleError
├── ConfigError
│   └── GateFileError            the gate file is unreadable or invalid
└── InvalidRequestError
    └── EvalError                an evaluation cannot run as asked
        ├── DatasetError         a dataset file is missing or has bad rows (each named by line)
        ├── SuiteUnavailableError  the suite is unknown, not built yet, or needs what was not given
        └── CaseError            one case failed; the run records it and goes on
"""

from __future__ import annotations

from socle.errors import ConfigError, InvalidRequestError


class EvalError(InvalidRequestError):
    """An evaluation cannot run as asked."""


class DatasetError(EvalError):
    """A dataset file is missing, is not JSONL, or has rows that break its schema."""


class SuiteUnavailableError(EvalError):
    """The suite is unknown, needs a part of Socle not built yet, or needs an option not given."""


class CaseError(EvalError):
    """One case failed (e.g. the server answered 500): recorded in its `CaseResult`, the run goes on."""


class GateFileError(ConfigError):
    """The gate file cannot be read or does not follow its schema."""
