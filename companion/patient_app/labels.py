"""Words the patient pages show for data keys (symptoms, ratings, outcomes, visit kinds), in
plain language, marked here so the catalogs carry them."""

from __future__ import annotations

from companion.core.i18n import N_

SYMPTOM_NAMES = {
    "redness": N_("Redness"),
    "swelling": N_("Swelling"),
    "pain": N_("Pain or tenderness"),
    "itching": N_("Itching"),
    "dryness": N_("Dryness or peeling"),
    "bruising": N_("Bruising"),
    "breakouts": N_("Breakouts or bumps"),
}

# One short description per level, so "2" means the same to every patient.
RATING_NAMES = (
    N_("None: I do not notice it"),
    N_("Mild: I notice it, it does not bother me"),
    N_("Moderate: it bothers me"),
    N_("Severe: it is hard to bear"),
)

RED_FLAG_NAMES = {
    "pus": N_("Pus or fluid coming out"),
    "fever": N_("Fever"),
    "spreading_redness": N_("Redness that spreads or feels hot"),
    "blisters": N_("Blisters or crusts"),
    "pigment_change": N_("New dark or light patches"),
    "wound_not_healing": N_("A wound that does not heal, or a scar forming"),
    "severe_pain": N_("Severe pain, or pain that gets worse"),
    "allergic_reaction": N_("Hives, swollen lips or throat, or trouble breathing"),
}

OUTCOME_TITLES = {
    "expected": N_("This is the normal course of healing"),
    "self_care": N_("Take care of your skin at home"),
    "contact_clinic": N_("Please contact your clinic"),
    "urgent": N_("Contact your clinic now"),
}

VISIT_KINDS = {"series": N_("Next session"), "maintenance": N_("Maintenance session"), "review": N_("Review visit")}
VISIT_STATES = {"booked": N_("booked"), "attended": N_("attended"), "cancelled": N_("cancelled")}

MESSAGES = (
    N_("This code is unknown, used or expired. Ask your clinic for a new one."),
    N_("Type the code from your hand-out."),
    N_("The page expired; please try again."),
    N_("You are signed out. Open the link from your hand-out again, or type your code."),
    N_("No such page."),
    N_("Too many tries. Wait a minute and try again."),
    N_("Something went wrong. Please try again."),
)

# The settings page's switches, one per message category (companion/patients/categories.py).
CATEGORY_NAMES = {
    "care_instructions": N_("Care instructions"),
    "care_tips": N_("Care tips: sun protection and hydration"),
    "checkin_prompts": N_("Questions about how your skin is healing"),
    "appointments": N_("Appointment reminders"),
    "progress": N_("Progress photos"),
    "maintenance": N_("Booking your next session and maintenance"),
    "promotional": N_("Offers and news from your clinic"),
}
CATEGORY_HINTS = {
    "care_instructions": N_("What to avoid and when it is fine again. Always on: it keeps your skin safe."),
    "promotional": N_("Off until you turn it on."),
}
