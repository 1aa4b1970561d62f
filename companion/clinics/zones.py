"""Which zone a clinic's lists are read in before an administrator chooses one."""

from __future__ import annotations

from babel.core import get_global

FALLBACK_ZONE = "UTC"


def zone_for_country(country: str | None) -> str:
    """The country's zone when CLDR lists exactly one (FR → Europe/Paris); a country with
    several (ES: Madrid, Canary Islands, Ceuta) gets UTC, and Settings names it, until the
    clinic picks its own: guessing Madrid for a clinic in Las Palmas would be an hour off."""
    zones = get_global("territory_zones").get((country or "").upper(), [])
    return str(zones[0]) if len(zones) == 1 else FALLBACK_ZONE
