"""The kinds of message a patient may choose to receive, and what each choice is worth.

Care instructions (restrictions and their ends) are always on: muting them would hide
what keeps the skin safe. Promotional messages are off until the patient opts in; the
others are on until the patient mutes them. Pure: the planners, the API and the
patient's settings page read the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

CARE_INSTRUCTIONS: Final = "care_instructions"
CARE_TIPS: Final = "care_tips"
CHECKIN_PROMPTS: Final = "checkin_prompts"
APPOINTMENTS: Final = "appointments"
PROGRESS: Final = "progress"
MAINTENANCE: Final = "maintenance"
PROMOTIONAL: Final = "promotional"

# In the order the settings page lists them.
CATEGORIES: Final = (CARE_INSTRUCTIONS, CARE_TIPS, CHECKIN_PROMPTS, APPOINTMENTS, PROGRESS, MAINTENANCE, PROMOTIONAL)
ALWAYS_ON: Final = frozenset({CARE_INSTRUCTIONS})
OFF_UNTIL_CHOSEN: Final = frozenset({PROMOTIONAL})
# A row skipped because its category was muted carries this reason (unmuting brings it back).
MUTED: Final = "muted"


def choices(stored: Mapping[str, bool] | None) -> dict[str, bool]:
    """Every category with the patient's choice, or its default where none was made."""
    stored = stored or {}
    return {
        name: True if name in ALWAYS_ON else bool(stored.get(name, name not in OFF_UNTIL_CHOSEN)) for name in CATEGORIES
    }


def muted(stored: Mapping[str, bool] | None) -> frozenset[str]:
    """The categories the patient does not receive now."""
    return frozenset(name for name, on in choices(stored).items() if not on)
