"""The words a check-in may use: rated symptoms, yes/no red flags, rating labels.

The keys are stable identifiers shared by the API, the database rows, the
triage table and the app; the labels are for people reading them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Rated 0..3 on every check-in.
SYMPTOMS: tuple[str, ...] = (
    "redness",
    "swelling",
    "pain",  # pain or tenderness
    "itching",
    "dryness",  # dryness or peeling
    "bruising",
    "breakouts",  # breakouts or bumps
)

#: Answered yes/no; each one means the skin may need a professional's eyes.
RED_FLAGS: tuple[str, ...] = (
    "pus",  # pus or discharge
    "fever",
    "spreading_redness",  # spreading or hot redness
    "blisters",  # blisters or crusting
    "pigment_change",  # new dark or light patches
    "wound_not_healing",  # a wound that does not heal, or a scar forming
    "severe_pain",  # severe or worsening pain
    "allergic_reaction",  # hives, facial/lip/throat swelling, trouble breathing
)

#: Index = rating.
RATING_LABELS: tuple[str, ...] = ("none", "mild", "moderate", "severe")

MIN_RATING = 0
MAX_RATING = len(RATING_LABELS) - 1

SYMPTOM_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "redness": "redness",
        "swelling": "swelling",
        "pain": "pain or tenderness",
        "itching": "itching",
        "dryness": "dryness or peeling",
        "bruising": "bruising",
        "breakouts": "breakouts or bumps",
    }
)

RED_FLAG_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "pus": "pus or discharge",
        "fever": "fever",
        "spreading_redness": "spreading or hot redness",
        "blisters": "blisters or crusting",
        "pigment_change": "new dark or light patches",
        "wound_not_healing": "a wound that does not heal or a scar forming",
        "severe_pain": "severe or worsening pain",
        "allergic_reaction": "signs of an allergic reaction",
    }
)

# Protocol files may name a symptom window by its longer label
# (ExpectedCourse.other_hours, e.g. "dryness_peeling"); both spellings count.
COURSE_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "pain": ("pain_tenderness",),
        "dryness": ("dryness_peeling",),
        "breakouts": ("breakouts_bumps",),
    }
)
