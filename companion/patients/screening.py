"""Contraindication screening at enrollment (DESIGN.md: not suitable without a
doctor's consent). A positive answer never rejects the patient; it is stored,
returned as a warning, and blocks treatments until the clinic confirms clearance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONTRAINDICATIONS: dict[str, str] = {
    "active_infection": "Active skin infection",
    "keloid_prone": "Keloid-prone skin",
    "active_severe_acne": "Active severe acne",
    "eczema": "Eczema",
    "psoriasis": "Psoriasis",
    "bleeding_disorder": "Bleeding disorder",
    "relevant_medications": "Medications that affect healing or bleeding (e.g. isotretinoin, anticoagulants)",
    "other_serious_skin_condition": "Another serious skin condition in the area to be treated",
}


def screening_warnings(answers: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {"code": key, "message": f"{label}: a doctor's clearance is needed before microneedling."}
        for key, label in CONTRAINDICATIONS.items()
        if answers.get(key)
    ]
