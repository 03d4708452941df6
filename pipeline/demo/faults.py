"""Scripted faults for the replay server, read from ``<root>/faults.yaml``.

Each source may have a list of steps. Every GET of the source uses up one request of the
current step; `times` (default 1, or ``always``) says how many requests a step answers.
After the last step the source is served normally again::

    src-flaky:
      - {fault: status, status: 503, times: 2}      # two 503s, then the page
    src-slow:
      - {fault: trickle, chunk: 64, interval: 0.2, times: always}

Faults (parameters with defaults):

=================  ==========================================================================
``status``         answer `status` (e.g. 408, 429, 500, 503) with an empty body; `retry_after`
                   (seconds, or any text sent verbatim) or `retry_after_date` (seconds after
                   the response's Date, sent as an HTTP-date) add a Retry-After header
``not-modified``   answer 304 whatever the request's validators
``reset``          close the connection with a TCP reset before answering
``stall``          send the headers and half the body, then stall `seconds` (30)
``trickle``        send the body `chunk` bytes (16) at a time, `interval` seconds (0.1) apart
``truncate``       announce the full Content-Length, send `fraction` (0.5) of it, close
``content-type``   send `value` as Content-Type (``""`` sends none): a wrong or missing
                   charset, or a non-HTML type such as ``image/png``
``huge``           pad the page with spaces to `bytes` (25 MiB)
``redirect-loop``  302 to the source's own URL, forever
``redirect``       302 to `location`
``robots-disallow``  (no `times`) /robots.txt disallows this source's path for every agent
=================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

FAULTS_FILE = "faults.yaml"
ALWAYS = -1
_PARAMETERS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "status": {"status": int, "retry_after": (int, str), "retry_after_date": int},
    "not-modified": {},
    "reset": {},
    "stall": {"seconds": (int, float)},
    "trickle": {"chunk": int, "interval": (int, float)},
    "truncate": {"fraction": (int, float)},
    "content-type": {"value": str},
    "huge": {"bytes": int},
    "redirect-loop": {},
    "redirect": {"location": str},
    "robots-disallow": {},
}
_DEFAULTS: dict[str, Any] = {
    "seconds": 30.0,
    "chunk": 16,
    "interval": 0.1,
    "fraction": 0.5,
    "bytes": 25 * 1024 * 1024,
}


class FaultFileError(ConfigError, ValueError):
    """faults.yaml is malformed; the message names the source and step."""


@dataclass(frozen=True, slots=True)
class FaultStep:
    fault: str
    times: int = 1  # ALWAYS for every request from here on
    params: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.params.get(name, _DEFAULTS.get(name))


@dataclass(frozen=True, slots=True)
class FaultPlan:
    steps: dict[str, tuple[FaultStep, ...]] = field(default_factory=dict)

    def step(self, source_id: str, request_number: int) -> FaultStep | None:
        """The step answering the source's `request_number`-th GET (from 0)."""
        seen = 0
        for step in self.steps.get(source_id, ()):
            if step.fault == "robots-disallow":
                continue
            if step.times == ALWAYS or request_number < seen + step.times:
                return step
            seen += step.times
        return None

    def robots_txt(self) -> str | None:
        """robots.txt text, or None when no source asks for one (then it is a 404)."""
        disallowed = sorted(
            source
            for source, steps in self.steps.items()
            if any(s.fault == "robots-disallow" for s in steps)
        )
        if not disallowed:
            return None
        return "User-agent: *\n" + "".join(f"Disallow: /{s}\n" for s in disallowed)


def load_faults(root: Path) -> FaultPlan:
    path = root / FAULTS_FILE
    if not path.is_file():
        return FaultPlan()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise FaultFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise FaultFileError(f"{path}: expected a mapping of source id to a list of steps")
    return FaultPlan({str(k): _steps(path, str(k), v) for k, v in document.items()})


def _steps(path: Path, source_id: str, value: Any) -> tuple[FaultStep, ...]:
    if not isinstance(value, list):
        raise FaultFileError(f"{path}: {source_id}: expected a list of steps")
    return tuple(_step(f"{path}: {source_id}[{i}]", item) for i, item in enumerate(value))


def _step(where: str, item: Any) -> FaultStep:
    if not isinstance(item, dict) or item.get("fault") not in _PARAMETERS:
        raise FaultFileError(f"{where}: expected fault: one of {', '.join(_PARAMETERS)}")
    fault = str(item["fault"])
    params = {k: v for k, v in item.items() if k not in ("fault", "times")}
    allowed = _PARAMETERS[fault]
    for name, value in params.items():
        if name not in allowed or not isinstance(value, allowed[name]):
            raise FaultFileError(f"{where}: {fault} does not take {name}: {value!r}")
    return FaultStep(fault, _times(where, item.get("times", 1)), params)


def _times(where: str, value: Any) -> int:
    if value == "always":
        return ALWAYS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FaultFileError(f"{where}: times must be a positive number or 'always'")
    return value
