"""Contraindication screening at enrollment (DESIGN.md: not suitable without a
doctor's consent). A positive answer never rejects the patient; it is stored,
returned as a warning, and blocks treatments until the clinic confirms clearance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companion.core.i18n import N_

CONTRAINDICATIONS: dict[str, str] = {
    "active_infection": N_("Active skin infection"),
    "keloid_prone": N_("Keloid-prone skin"),
    "active_severe_acne": N_("Active severe acne"),
    "eczema": N_("Eczema"),
    "psoriasis": N_("Psoriasis"),
    "bleeding_disorder": N_("Bleeding disorder"),
    "relevant_medications": N_("Medications that affect healing or bleeding (e.g. isotretinoin, anticoagulants)"),
    "other_serious_skin_condition": N_("Another serious skin condition in the area to be treated"),
}


# The warning's text, with the condition's label filled in (the console translates both).
CLEARANCE_NEEDED = N_("%(condition)s: a doctor's clearance is needed before microneedling.")


def screening_warnings(answers: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {"code": key, "message": CLEARANCE_NEEDED % {"condition": label}}
        for key, label in CONTRAINDICATIONS.items()
        if answers.get(key)
    ]
