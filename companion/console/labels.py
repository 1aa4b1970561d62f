"""Words the console shows from data (states, severities, roles) and messages its views
pass to templates, marked here so the catalogs carry them."""

from companion.core.i18n import N_

LABELS = (
    N_("pending"),
    N_("sent"),
    N_("expired"),
    N_("undeliverable"),
    N_("cancelled"),
    N_("failed"),
    N_("acknowledged"),
    N_("open"),
    N_("resolved"),
    N_("active"),
    N_("urgent"),
    N_("contact clinic"),
    N_("self care"),
    N_("expected"),
    N_("admin"),
    N_("staff"),
    N_("retry"),
    N_("deactivate"),
    N_("The form expired; please try again."),
    N_("Only clinic administrators may open this page."),
    N_("No such page."),
    N_("open alert"),
    N_("missed checkin"),
    N_("appointment unrecorded"),
    N_("not signed in"),
    N_("rebooking due"),
    N_("maintenance due"),
    N_("booked"),
    N_("attended"),
    N_("series"),
    N_("maintenance"),
    N_("review"),
)
