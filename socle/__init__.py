"""Socle: a self-hosted, OpenAI-compatible enterprise AI OS.

The repository's top-level folders (router/, server/, governance/, ...) are installed as
`socle.router`, `socle.server`, ...; see docs/architecture.md.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
