"""docs/configuration.md, written from SETTINGS in config.py so the page cannot drift from the code."""

from __future__ import annotations

from companion.config import SETTINGS, TRUE_WORDS, Computed, Setting

REGENERATE = ".venv/bin/python -m companion.config_docs > docs/configuration.md"


def _shown(setting: Setting) -> str:
    default = setting.default
    if isinstance(default, Computed):
        return default.shown
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def markdown() -> str:
    """docs/configuration.md, from SETTINGS."""
    kinds = {str: "text", int: "integer", float: "number", bool: "on/off"}
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from companion/config.py: edit SETTINGS there, then run",
        f"     {REGENERATE} -->",
        "",
        "Every setting is an environment variable; the defaults run on a fresh machine.",
        f"An empty value counts as unset. On/off settings are on for {', '.join(f'`{w}`' for w in TRUE_WORDS)}",
        "(any case) and off for anything else. Rate limits use Flask-Limiter's syntax",
        "(`10 per minute; 100 per day`).",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS.values():
        lines.append(f"| `{setting.variable}` | {kinds[setting.kind]} | {_shown(setting)} | {setting.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
