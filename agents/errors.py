"""The agents' errors, under Socle's one tree (`socle.errors`).

SocleError
├── ConfigError
│   └── AgentConfigError      an agent YAML is invalid or names an unknown tool
└── ToolError                 a tool cannot do what the model asked; the message goes back to the model
"""

from __future__ import annotations

from socle.errors import ConfigError, SocleError


class AgentConfigError(ConfigError):
    """An agent declaration is invalid; the message names the file and the field."""


class ToolError(SocleError):
    """A tool call failed in a way the model can correct (bad arguments, nothing found).

    Agents catch it and send the message back to the model as the tool's answer; it never reaches
    a client.
    """
