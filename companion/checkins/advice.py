"""Patient-facing advice for each triage rule and outcome, in every supported language.

Texts are short because they are read on a phone right after rating symptoms;
each one says what to do, not why the engine decided it.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

DEFAULT_LOCALE = "en"

_EN: dict[str, str] = {
    # Rule advice.
    "urgent_infection": (
        "These can be signs of an infection. Contact your clinic now. If you cannot reach "
        "them, get medical care today. Do not put any products on the area."
    ),
    "urgent_blisters": (
        "Blisters or crusting need to be seen by a professional. Contact your clinic now. "
        "Do not pop, pick or cover them with makeup."
    ),
    "urgent_pain": (
        "Severe or worsening pain is not part of normal healing. Contact your clinic now; "
        "if you cannot reach them, get medical care today."
    ),
    "urgent_allergy": (
        "If you have trouble breathing or swelling of your lips, tongue or throat, call "
        "emergency services now. Otherwise contact your clinic now and stop any product "
        "you started after your treatment."
    ),
    "clinic_pigment": (
        "New dark or light patches should be checked by your clinic. Please contact them in "
        "the next day or two. Until then, stay out of the sun and use SPF 30+ every day."
    ),
    "clinic_redness_swelling": (
        "Your redness or swelling is lasting longer or is stronger than expected for your "
        "treatment. Please contact your clinic today so they can take a look."
    ),
    "clinic_worsening": (
        "Your skin is getting worse instead of better since your last check-in. Please "
        "contact your clinic today."
    ),
    "clinic_pain": (
        "Severe pain or tenderness is more than expected. Please contact your clinic today."
    ),
    "clinic_itching": (
        "Strong itching can be a reaction to a product. Stop any new products, do not "
        "scratch, and contact your clinic today."
    ),
    "clinic_breakouts": (
        "Many bumps or breakouts should be checked by your clinic. Do not squeeze or pick "
        "them, and contact your clinic today."
    ),
    "clinic_bruising": (
        "Large or strong bruising should be checked. Please contact your clinic today and "
        "tell them about any medicines or supplements you take."
    ),
    "care_strong_first_day": (
        "Strong redness or swelling can happen on the first day. Rest with your head raised, "
        "hold a clean cool compress (not ice) on the area for 10 minutes a few times, and "
        "avoid heat, exercise and makeup."
    ),
    "care_lingering": (
        "A little redness or swelling is lasting a bit longer than usual. Use a gentle "
        "cleanser and a fragrance-free moisturizer, apply SPF 30+ and avoid sun, heat and "
        "active products such as retinoids or acids."
    ),
    "care_tenderness": (
        "For tenderness, hold a clean cool compress on the area for 10 minutes, avoid "
        "touching or rubbing your skin, and skip makeup and active products."
    ),
    "care_itching": (
        "For itching, do not scratch. Apply a fragrance-free moisturizer often and a cool "
        "compress when it itches; avoid hot showers and new products."
    ),
    "care_dryness": (
        "For dryness or peeling, apply a fragrance-free moisturizer several times a day and "
        "let flakes come off on their own: no picking, scrubs or exfoliants."
    ),
    "care_bruising": (
        "Bruising usually fades within a week. A clean cool compress helps; avoid massaging "
        "the area."
    ),
    "care_breakouts": (
        "For small bumps, wash with a gentle cleanser, use only non-comedogenic, "
        "fragrance-free products, and do not squeeze or pick."
    ),
    "ok_redness_swelling": (
        "Redness and swelling like a mild sunburn are expected at this stage and fade on "
        "their own."
    ),
    "ok_protocol_window": (
        "Your aftercare plan lists this as expected at this stage; it should settle on its own."
    ),
    "ok_healing": (
        "Mild tenderness, itching or dryness is a normal part of healing. Keep your skin "
        "moisturized and do not scratch or pick."
    ),
    "ok_all_clear": "Your skin is healing well.",
    # Closing line per outcome.
    "outcome_expected": (
        "Keep following your aftercare plan: gentle cleanser, fragrance-free moisturizer and "
        "SPF 30+ outdoors."
    ),
    "outcome_self_care": (
        "Check in again in about 12 hours. If things get worse, contact your clinic."
    ),
    "outcome_contact_clinic": "Until you hear from your clinic, keep the area clean and leave it alone.",
    "outcome_urgent": "Do not wait to see if this gets better on its own.",
}

_ES: dict[str, str] = {
    "urgent_infection": (
        "Pueden ser señales de infección. Comunícate con tu clínica ahora. Si no puedes "
        "contactarla, busca atención médica hoy. No te pongas ningún producto en la zona."
    ),
    "urgent_blisters": (
        "Las ampollas o costras deben ser revisadas por un profesional. Comunícate con tu "
        "clínica ahora. No las revientes, no las toques y no las cubras con maquillaje."
    ),
    "urgent_pain": (
        "El dolor fuerte o que empeora no es parte de una recuperación normal. Comunícate con "
        "tu clínica ahora; si no puedes contactarla, busca atención médica hoy."
    ),
    "urgent_allergy": (
        "Si tienes dificultad para respirar o hinchazón en los labios, la lengua o la "
        "garganta, llama a emergencias ahora. Si no, comunícate con tu clínica ahora y deja "
        "de usar cualquier producto que empezaste después del tratamiento."
    ),
    "clinic_pigment": (
        "Las manchas nuevas, oscuras o claras, deben ser revisadas por tu clínica. "
        "Comunícate con ella en uno o dos días. Mientras tanto, evita el sol y usa protector "
        "solar FPS 30+ todos los días."
    ),
    "clinic_redness_swelling": (
        "El enrojecimiento o la hinchazón duran más o son más intensos de lo esperado para tu "
        "tratamiento. Comunícate hoy con tu clínica para que te revisen."
    ),
    "clinic_worsening": (
        "Tu piel está empeorando en lugar de mejorar desde tu último registro. Comunícate hoy "
        "con tu clínica."
    ),
    "clinic_pain": (
        "El dolor o la sensibilidad intensos son más de lo esperado. Comunícate hoy con tu "
        "clínica."
    ),
    "clinic_itching": (
        "La comezón fuerte puede ser una reacción a un producto. Deja de usar productos "
        "nuevos, no te rasques y comunícate hoy con tu clínica."
    ),
    "clinic_breakouts": (
        "Si tienes muchos granitos o brotes, tu clínica debe revisarlos. No los aprietes ni "
        "los toques y comunícate hoy con tu clínica."
    ),
    "clinic_bruising": (
        "Los moretones grandes o intensos deben revisarse. Comunícate hoy con tu clínica y "
        "cuéntale qué medicamentos o suplementos tomas."
    ),
    "care_strong_first_day": (
        "El primer día puede haber enrojecimiento o hinchazón fuertes. Descansa con la cabeza "
        "elevada, aplica una compresa fría y limpia (no hielo) durante 10 minutos varias "
        "veces y evita el calor, el ejercicio y el maquillaje."
    ),
    "care_lingering": (
        "Un poco de enrojecimiento o hinchazón está durando algo más de lo habitual. Usa un "
        "limpiador suave y una crema hidratante sin fragancia, aplica protector solar FPS 30+ "
        "y evita el sol, el calor y los productos activos como retinoides o ácidos."
    ),
    "care_tenderness": (
        "Para la sensibilidad, aplica una compresa fría y limpia durante 10 minutos, evita "
        "tocarte o frotarte la piel y no uses maquillaje ni productos activos."
    ),
    "care_itching": (
        "Para la comezón, no te rasques. Aplica seguido una crema hidratante sin fragancia y "
        "una compresa fría cuando pique; evita las duchas calientes y los productos nuevos."
    ),
    "care_dryness": (
        "Para la resequedad o descamación, aplica una crema hidratante sin fragancia varias "
        "veces al día y deja que la piel se desprenda sola: no la arranques ni uses "
        "exfoliantes."
    ),
    "care_bruising": (
        "Los moretones suelen desaparecer en una semana. Una compresa fría y limpia ayuda; "
        "no des masaje en la zona."
    ),
    "care_breakouts": (
        "Para los granitos, lava con un limpiador suave, usa solo productos sin fragancia que "
        "no tapen los poros y no los aprietes ni los toques."
    ),
    "ok_redness_swelling": (
        "El enrojecimiento y la hinchazón, como una quemadura solar leve, son normales en "
        "esta etapa y desaparecen solos."
    ),
    "ok_protocol_window": (
        "Tu plan de cuidados indica que esto es normal en esta etapa; debería pasar solo."
    ),
    "ok_healing": (
        "Un poco de sensibilidad, comezón o resequedad es parte normal de la recuperación. "
        "Mantén la piel hidratada y no te rasques ni te toques."
    ),
    "ok_all_clear": "Tu piel se está recuperando bien.",
    "outcome_expected": (
        "Sigue tu plan de cuidados: limpiador suave, crema hidratante sin fragancia y "
        "protector solar FPS 30+ al salir."
    ),
    "outcome_self_care": (
        "Vuelve a registrar cómo estás en unas 12 horas. Si empeora, comunícate con tu clínica."
    ),
    "outcome_contact_clinic": (
        "Mientras tu clínica te responde, mantén la zona limpia y no la toques."
    ),
    "outcome_urgent": "No esperes a ver si mejora por sí solo.",
}

ADVICE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"en": MappingProxyType(_EN), "es": MappingProxyType(_ES)}
)


def resolve_locale(locale: str | None) -> str:
    """Best supported language for a tag: "es-MX" -> "es", anything unknown -> "en"."""
    tag = (locale or "").strip().replace("_", "-").lower()
    for candidate in (tag, tag.split("-", 1)[0]):
        if candidate in ADVICE:
            return candidate
    return DEFAULT_LOCALE


def advice_text(key: str, locale: str | None = DEFAULT_LOCALE) -> str:
    """One text; English stands in for a key a translation lacks."""
    texts = ADVICE[resolve_locale(locale)]
    return texts.get(key) or ADVICE[DEFAULT_LOCALE][key]


def compose_advice(outcome: str, keys: tuple[str, ...], locale: str | None = DEFAULT_LOCALE) -> str:
    """The rule texts that led to the outcome, then the outcome's closing line."""
    parts = [advice_text(key, locale) for key in dict.fromkeys(keys)]
    parts.append(advice_text(f"outcome_{outcome}", locale))
    return "\n\n".join(parts)
