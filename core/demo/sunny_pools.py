"""Demo tenant ``sunny-pools``: a residential and commercial pool service in Phoenix.

Pat Morgan (pat@example.com) has two accounts here, a home and a rental
duplex, so signing in with that address asks which account to open.
"""

from __future__ import annotations

from core.demo.specs import (
    AccountSpec as Account,
    ChargeSpec as Charge,
    ContactSpec as Contact,
    EmailSpec as Email,
    FileSpec as File,
    InvoiceSpec as Invoice,
    JobSpec as Job,
    NoteSpec as Note,
    PaymentSpec as Payment,
    PhotoSpec as Photo,
    StaffSpec as Staff,
    TenantSpec,
    VisitSpec as Visit,
)

MARIA, TYLER = 0, 1  # indexes into STAFF: who did the work

STAFF = (
    Staff("Maria Delgado", "maria@sunny-pools.example", "owner"),
    Staff("Tyler Brooks", "tyler@sunny-pools.example", "staff"),
)

PAT_HOME = Account(
    name="Pat Morgan",
    address="2817 N 44th Pl\nPhoenix, AZ 85018",
    phone="(602) 555-0186",
    contacts=(
        Contact("Pat", "Morgan", "(602) 555-0186", (Email("pat@example.com"),), is_primary=True),
        Contact("Sam", "Morgan", "(602) 555-0187", (Email("sam.morgan@example.com", send_invoices=False),)),
    ),
    jobs=(
        Job(
            "Green-to-clean pool recovery",
            day=-41,
            status="completed",
            hours=3,
            technician=TYLER,
            description="The pool turned green while the pump was off during a two-week vacation.",
            charges=(
                Charge("Algae treatment labour (hours)", 8500, "3"),
                Charge("Calcium hypochlorite shock, 1 lb", 1299, "4"),
                Charge("Algaecide 60, 1 qt", 3450),
                Charge("Filter cartridge chemical clean", 6500),
            ),
            visits=(
                Visit(
                    -41,
                    "Shocked and brushed, filter cleaned",
                    "Water was dark green with about 6 in of visibility. Brushed walls and floor, "
                    "triple-shocked, added algaecide and chemically cleaned the cartridges. "
                    "Pump set to run around the clock.",
                    (
                        Photo("green_pool", "Before: algae bloom on arrival"),
                        Photo("equipment", "Filter cartridges after the chemical clean"),
                    ),
                    hours=3,
                ),
                Visit(
                    -38,
                    "Follow-up: water clear",
                    "Water clear and blue; vacuumed the floor to waste. Free chlorine 4.2 ppm, "
                    "pH 7.5, alkalinity 90 ppm. Pump back on its normal 8-hour schedule.",
                    (Photo("pool", "After: clear water three days later"),),
                    hours=1,
                ),
            ),
            notes=(
                Note("Keep the pump running around the clock until our follow-up visit: it clears "
                     "the water much faster.", "Tyler Brooks", shared=True),
                Note("Side gate latch is loose and the dog gets out. Latch it behind you.", "Maria Delgado", shared=False),
            ),
            files=(
                File(
                    "Water test results.pdf",
                    "Water test results after the recovery",
                    (
                        "Free chlorine: 4.2 ppm (target 2 to 4)",
                        "pH: 7.5 (target 7.4 to 7.6)",
                        "Total alkalinity: 90 ppm (target 80 to 120)",
                        "Calcium hardness: 310 ppm (target 200 to 400)",
                        "Cyanuric acid: 45 ppm (target 30 to 50)",
                        "The water is balanced and safe for swimming.",
                    ),
                    shared=True,
                ),
            ),
            invoices=(Invoice("paid", issued_day=-38, payments=(Payment("card", 2),)),),
        ),
        Job(
            "Pool heater not lighting",
            day=-22,
            status="completed",
            technician=TYLER,
            charges=(
                Charge("Heater diagnostic", 8900),
                Charge("Hot surface igniter, Hayward IDXL2", 14250),
                Charge("Labour (hours)", 9500, "1.5"),
            ),
            visits=(
                Visit(
                    -22,
                    "Replaced heater igniter",
                    "The heater showed an ignition lockout. The hot surface igniter was cracked: replaced "
                    "it and cleaned the burner tray. The heater fired first time and reached 84°F "
                    "within three hours.",
                    (
                        Photo("heater", "Heater in ignition lockout"),
                        Photo("heater", "Heater running after the repair"),
                    ),
                ),
            ),
            invoices=(Invoice("overdue", issued_day=-21, memo="Payment due within 15 days."),),
        ),
        Job(
            "Weekly pool service",
            day=-7,
            status="completed",
            hour=10,
            hours=1,
            technician=TYLER,
            charges=(
                Charge("Weekly pool service", 4500),
                Charge("Chlorine tablets, 3 in, 10 lb", 1899),
            ),
            visits=(
                Visit(
                    -7,
                    "Weekly service",
                    "Skimmed, brushed and emptied the baskets. Added four chlorine tablets. "
                    "Chemistry in range; no leaks at the equipment pad.",
                    (
                        Photo("pool", "Pool after the weekly service"),
                        Photo("equipment", "Equipment pad checked"),
                    ),
                    hour=10,
                    hours=1,
                ),
            ),
            invoices=(Invoice("open", issued_day=-2),),
        ),
        Job("Filter cartridge clean", day=5, status="scheduled", technician=TYLER,
            description="Twice-yearly cartridge clean before the summer season."),
        Job("Weekly pool service", day=7, status="scheduled", hour=10, hours=1, technician=TYLER),
    ),
)

PAT_RENTAL = Account(
    name="Morgan Rentals – Lakeview Duplex",
    address="1540 W Lakeview Dr\nTempe, AZ 85282",
    phone="(602) 555-0186",
    contacts=(
        Contact("Pat", "Morgan", "(602) 555-0186", (Email("pat@example.com"),), is_primary=True),
        Contact("Jordan", "Lee", "(480) 555-0112", (Email("jordan.lee@example.net", send_invoices=False),)),
    ),
    jobs=(
        Job(
            "Pre-lease pool inspection",
            day=-75,
            status="completed",
            technician=MARIA,
            charges=(Charge("Pool and equipment inspection", 12500),),
            visits=(
                Visit(
                    -75,
                    "Inspection before the new tenants move in",
                    "Plaster in fair shape with light staining at the steps. The pump motor bearings "
                    "are noisy: we recommend replacing the motor within a few months.",
                    (
                        Photo("pool", "Pool at the inspection"),
                        Photo("equipment", "Pump motor with worn bearings"),
                    ),
                ),
            ),
            invoices=(
                Invoice("void", issued_day=-74,
                        memo="Voided: the inspection is included in the lease-turnover package at no charge."),
            ),
        ),
        Job(
            "Pump motor replacement",
            day=-60,
            status="completed",
            hours=3,
            technician=TYLER,
            charges=(
                Charge("1.5 HP pump motor, Century B2854", 48900),
                Charge("Labour (hours)", 9500, "2"),
                Charge("Old motor disposal", 2500),
            ),
            visits=(
                Visit(
                    -60,
                    "Replaced pump motor",
                    "Swapped the motor and fitted a new shaft seal; primed and tested. Amp draw normal "
                    "at 7.8 A, no leaks after 20 minutes.",
                    (
                        Photo("equipment", "New pump motor installed"),
                        Photo("pipes", "Re-plumbed union at the pump"),
                    ),
                    hours=3,
                ),
            ),
            notes=(
                Note("The new motor has a two-year manufacturer warranty; keep this invoice as proof of "
                     "purchase.", "Maria Delgado", shared=True),
                Note("Pat asked us to call the day before: the tenants work nights.", "Maria Delgado", shared=False),
            ),
            files=(
                File(
                    "Pump motor warranty.pdf",
                    "Pump motor warranty",
                    (
                        "Motor: Century B2854, 1.5 HP, 230 V",
                        "Warranty: two years from installation, parts only.",
                        "Labour on warranty replacements is covered by Sunny Pools for the first year.",
                        "Keep this document and your invoice.",
                    ),
                    shared=True,
                ),
                File(
                    "Supplier order - Pool Supply West.txt",
                    "Supplier order",
                    (
                        "PO 7781 to Pool Supply West",
                        "1 x Century B2854 1.5 HP motor at dealer price $312.00",
                        "1 x shaft seal kit PS-201 at $14.50",
                        "Picked up at the Tempe branch.",
                    ),
                    shared=False,
                ),
            ),
            invoices=(
                Invoice(
                    "paid",
                    issued_day=-59,
                    terms_days=30,
                    payments=(
                        Payment("cheque", 10, percent=50, reference="Cheque #1187"),
                        Payment("cash", 25, percent=50),
                    ),
                ),
            ),
        ),
        Job(
            "Salt cell cleaning",
            day=-3,
            status="completed",
            hours=1,
            technician=TYLER,
            charges=(
                Charge("Salt cell acid wash", 7500),
                Charge("Pool salt, 40 lb bag", 899, "3"),
            ),
            visits=(
                Visit(
                    -3,
                    "Cleaned the salt cell",
                    "The cell plates had heavy scale: acid-washed and reinstalled. Added 120 lb of salt; "
                    "the reading is now 3,200 ppm.",
                    (Photo("equipment", "Salt cell before cleaning"),),
                    hours=1,
                ),
            ),
            invoices=(Invoice("draft", issued_day=None),),
        ),
        Job("Quarterly equipment inspection", day=12, status="scheduled", technician=MARIA),
    ),
)

DESERT_PALMS = Account(
    name="Desert Palms HOA",
    address="9200 E Desert Palms Way\nScottsdale, AZ 85260",
    phone="(480) 555-0150",
    contacts=(
        Contact("Rita", "Alvarez", "(480) 555-0151", (Email("billing@desertpalms.example.org"),), is_primary=True),
        Contact("Ken", "Park", "(480) 555-0153", (Email("ken.park@example.org", send_invoices=False),)),
    ),
    jobs=(
        Job(
            "Community pool service, three visits",
            day=-30,
            status="completed",
            hour=7,
            hours=1.5,
            technician=TYLER,
            invoice_view="summary",
            charges=(
                Charge("Commercial pool service visit", 12500, "3"),
                Charge("Liquid chlorine, 2.5 gal", 1450, "6"),
                Charge("Muriatic acid, 1 gal", 1199, "2"),
            ),
            visits=(
                Visit(-30, "Weekly service, week 1", "Brushed, vacuumed, balanced. Free chlorine 3.0 ppm, pH 7.4.",
                      (Photo("pool", "Community pool, week 1"),), hour=7),
                Visit(-23, "Weekly service, week 2", "Heavy leaf load after the wind storm; cleaned baskets twice.",
                      (Photo("pool", "Community pool, week 2"),), hour=7),
                Visit(-16, "Weekly service, week 3", "All readings in range. Refilled the chlorinator.",
                      (Photo("pool", "Community pool, week 3"), Photo("equipment", "Chlorinator refilled")), hour=7),
            ),
            files=(
                File(
                    "Pool chemical log.pdf",
                    "Public pool chemical log",
                    (
                        "Week 1: free chlorine 3.0 ppm, pH 7.4, clarity good",
                        "Week 2: free chlorine 2.6 ppm, pH 7.5, heavy debris removed",
                        "Week 3: free chlorine 3.2 ppm, pH 7.4, clarity good",
                        "Kept for the Maricopa County public pool inspection.",
                    ),
                    shared=True,
                ),
            ),
            invoices=(
                Invoice("paid", issued_day=-15, terms_days=30,
                        payments=(Payment("bank", 12, reference="ACH 5521-0098"),)),
            ),
        ),
        Job(
            "Spa heater inspection",
            day=-10,
            status="completed",
            technician=MARIA,
            charges=(
                Charge("Spa heater inspection", 9500),
                Charge("Heater pressure switch", 6800),
            ),
            visits=(
                Visit(
                    -10,
                    "Replaced the spa heater pressure switch",
                    "The heater cycled on and off: the pressure switch had failed. Replaced it; the spa "
                    "held 102°F through the afternoon.",
                    (
                        Photo("heater", "Spa heater with the panel open"),
                        Photo("pool", "Spa back at temperature"),
                    ),
                ),
            ),
            notes=(Note("Spa is back in service; the closed sign can come down.", "Maria Delgado", shared=True),),
            invoices=(
                Invoice("open", issued_day=-9, terms_days=30,
                        payments=(Payment("bank", 5, percent=40, reference="ACH 5521-0112"),)),
            ),
        ),
        Job("Pool deck drain cleanup", day=0, status="in_progress", hour=7, technician=TYLER,
            description="Clear the deck drains blocked after the storm."),
        Job(
            "Spa cover replacement",
            day=-5,
            status="cancelled",
            technician=MARIA,
            notes=(Note("The board postponed the new spa cover until next year's budget.", "Maria Delgado", shared=False),),
        ),
        Job("Community pool service", day=2, status="scheduled", hour=7, hours=1.5, technician=TYLER),
    ),
)

CHEN = Account(
    name="Lily Chen",
    address="7733 S Mill Ave\nTempe, AZ 85284",
    phone="(480) 555-0168",
    contacts=(
        Contact("Lily", "Chen", "(480) 555-0168", (Email("lily.chen@example.com"),), is_primary=True),
        Contact("David", "Chen", "(480) 555-0169", (Email("david.chen@example.com"),)),
    ),
    jobs=(
        Job(
            "Variable-speed pump upgrade",
            day=-50,
            status="completed",
            hours=4,
            technician=TYLER,
            charges=(
                Charge("Pentair IntelliFlo VSF pump", 139900),
                Charge("Installation labour (hours)", 9500, "3"),
                Charge("Plumbing fittings and unions", 4875),
            ),
            visits=(
                Visit(
                    -50,
                    "Installed a variable-speed pump",
                    "Replaced the single-speed pump. Programmed three speeds: 2,800 rpm for 2 h of "
                    "skimming, 1,500 rpm for 8 h of filtration and 3,200 rpm for 30 min for the cleaner.",
                    (
                        Photo("equipment", "Old single-speed pump"),
                        Photo("equipment", "New variable-speed pump"),
                        Photo("pool", "Pool running on the new pump"),
                    ),
                    hours=4,
                ),
            ),
            notes=(Note("The utility rebate form is attached: send it within 90 days.", "Tyler Brooks", shared=True),),
            files=(
                File(
                    "Utility rebate form.pdf",
                    "Variable-speed pool pump rebate",
                    (
                        "Rebate: $200 for a qualifying variable-speed pool pump.",
                        "Pump model: Pentair IntelliFlo VSF",
                        "Installed by: Sunny Pools, licence ROC 312345",
                        "Send with a copy of the paid invoice within 90 days of installation.",
                    ),
                    shared=True,
                ),
            ),
            invoices=(
                Invoice("paid", issued_day=-49,
                        payments=(Payment("card", 6, card=("mastercard", "5454")),)),
            ),
        ),
        Job("Leak detection", day=9, status="scheduled", technician=MARIA,
            description="The water level drops about an inch a day."),
    ),
)

SUNNY_POOLS = TenantSpec(
    slug="sunny-pools",
    name="Sunny Pools",
    trade="pool service",
    profile={
        "brand_colour": "#f59e0b",
        "contact_email": "office@sunny-pools.example",
        "contact_phone": "(602) 555-0147",
        "contact_address": "4410 E Camelback Rd, Suite 12\nPhoenix, AZ 85018",
        "contact_hours": "Mon–Fri 7am–5pm, Sat 8am–noon",
        "website": "https://sunny-pools.example",
        "timezone": "America/Phoenix",
        "currency": "USD",
        "locale": "en_US",
    },
    tax_rate_bp=860,
    account_prefix="SP-",
    job_prefix="J-",
    first_job_number=2301,
    invoice_prefix="INV-",
    first_invoice_number=5101,
    staff=STAFF,
    accounts=(PAT_HOME, PAT_RENTAL, DESERT_PALMS, CHEN),
)
