"""Patient-facing advice for each triage rule and outcome.

Texts are short because they are read on a phone right after rating symptoms;
each one says what to do, not why the engine decided it. They are English message
ids; other languages come from the gettext catalogs (`companion.core.i18n`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from companion.core.i18n import DEFAULT_LOCALE, N_, translate

ADVICE: Mapping[str, str] = MappingProxyType(
    {
        # Rule advice.
        "urgent_infection": N_(
            "These can be signs of an infection. Contact your clinic now. If you cannot reach "
            "them, get medical care today. Do not put any products on the area."
        ),
        "urgent_blisters": N_(
            "Blisters or crusting need to be seen by a professional. Contact your clinic now. "
            "Do not pop, pick or cover them with makeup."
        ),
        "urgent_pain": N_(
            "Severe or worsening pain is not part of normal healing. Contact your clinic now; "
            "if you cannot reach them, get medical care today."
        ),
        "urgent_allergy": N_(
            "If you have trouble breathing or swelling of your lips, tongue or throat, call "
            "emergency services now. Otherwise contact your clinic now and stop any product "
            "you started after your treatment."
        ),
        "clinic_pigment": N_(
            "New dark or light patches should be checked by your clinic. Please contact them in "
            "the next day or two. Until then, stay out of the sun and use SPF 30+ every day."
        ),
        "clinic_scarring": N_(
            "A wound that does not heal or a scar forming should be seen by your clinic. Please "
            "contact them in the next day or two, and do not pick, scratch or cover it with makeup."
        ),
        "clinic_redness_swelling": N_(
            "Your redness or swelling is lasting longer or is stronger than expected for your "
            "treatment. Please contact your clinic today so they can take a look."
        ),
        "clinic_worsening": N_(
            "Your skin is getting worse instead of better since your last check-in. Please contact your clinic today."
        ),
        "clinic_pain": N_("Severe pain or tenderness is more than expected. Please contact your clinic today."),
        "clinic_itching": N_(
            "Strong itching can be a reaction to a product. Stop any new products, do not "
            "scratch, and contact your clinic today."
        ),
        "clinic_breakouts": N_(
            "Many bumps or breakouts should be checked by your clinic. Do not squeeze or pick "
            "them, and contact your clinic today."
        ),
        "clinic_bruising": N_(
            "Large or strong bruising should be checked. Please contact your clinic today and "
            "tell them about any medicines or supplements you take."
        ),
        "care_strong_first_day": N_(
            "Strong redness or swelling can happen on the first day. Rest with your head raised, "
            "hold a clean cool compress (not ice) on the area for 10 minutes a few times, and "
            "avoid heat, exercise and makeup."
        ),
        "care_lingering": N_(
            "A little redness or swelling is lasting a bit longer than usual. Use a gentle "
            "cleanser and a fragrance-free moisturizer, apply SPF 30+ and avoid sun, heat and "
            "active products such as retinoids or acids."
        ),
        "care_tenderness": N_(
            "For tenderness, hold a clean cool compress on the area for 10 minutes, avoid "
            "touching or rubbing your skin, and skip makeup and active products."
        ),
        "care_itching": N_(
            "For itching, do not scratch. Apply a fragrance-free moisturizer often and a cool "
            "compress when it itches; avoid hot showers and new products."
        ),
        "care_dryness": N_(
            "For dryness or peeling, apply a fragrance-free moisturizer several times a day and "
            "let flakes come off on their own: no picking, scrubs or exfoliants."
        ),
        "care_bruising": N_(
            "Bruising usually fades within a week. A clean cool compress helps; avoid massaging the area."
        ),
        "care_breakouts": N_(
            "For small bumps, wash with a gentle cleanser, use only non-comedogenic, "
            "fragrance-free products, and do not squeeze or pick."
        ),
        "ok_redness_swelling": N_(
            "Redness and swelling like a mild sunburn are expected at this stage and fade on their own."
        ),
        "ok_protocol_window": N_(
            "Your aftercare plan lists this as expected at this stage; it should settle on its own."
        ),
        "ok_healing": N_(
            "Mild tenderness, itching or dryness is a normal part of healing. Keep your skin "
            "moisturized and do not scratch or pick."
        ),
        "ok_all_clear": N_("Your skin is healing well."),
        # Closing line per outcome.
        "outcome_expected": N_(
            "Keep following your aftercare plan: gentle cleanser, fragrance-free moisturizer and SPF 30+ outdoors."
        ),
        "outcome_self_care": N_("Check in again in about 12 hours. If things get worse, contact your clinic."),
        "outcome_contact_clinic": N_("Until you hear from your clinic, keep the area clean and leave it alone."),
        "outcome_urgent": N_("Do not wait to see if this gets better on its own."),
    }
)


def advice_text(key: str, locale: str | None = DEFAULT_LOCALE) -> str:
    return translate(ADVICE[key], locale)


def compose_advice(outcome: str, keys: tuple[str, ...], locale: str | None = DEFAULT_LOCALE) -> str:
    """The rule texts that led to the outcome, then the outcome's closing line."""
    parts = [advice_text(key, locale) for key in dict.fromkeys(keys)]
    parts.append(advice_text(f"outcome_{outcome}", locale))
    return "\n\n".join(parts)
