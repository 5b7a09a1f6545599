"""Demo tenant ``pipeworks``: a plumber in Mesa serving homes and restaurants.

Pat Morgan (pat@example.com) is a customer here too, with one account: the
same address signs in to both businesses, and neither sees the other's data.
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

OWEN, AISHA = 0, 1  # indexes into STAFF: who did the work

STAFF = (
    Staff("Owen Price", "owen@pipeworks.example", "owner"),
    Staff("Aisha Rahman", "aisha@pipeworks.example", "staff"),
)

PAT = Account(
    name="Pat Morgan",
    address="2817 N 44th Pl\nPhoenix, AZ 85018",
    phone="(602) 555-0186",
    contacts=(Contact("Pat", "Morgan", "(602) 555-0186", (Email("pat@example.com"),), is_primary=True),),
    jobs=(
        Job(
            "Water heater replacement, 50 gal",
            day=-46,
            status="completed",
            hours=5,
            technician=AISHA,
            charges=(
                Charge("50-gallon gas water heater, Bradford White", 129900),
                Charge("Installation labour (hours)", 11500, "4"),
                Charge("City of Phoenix plumbing permit", 8500),
                Charge("Old heater haul-away", 4500),
            ),
            visits=(
                Visit(
                    -46,
                    "Replaced the water heater",
                    "The 2009 tank was leaking at the base. Installed a new 50-gallon gas heater with "
                    "new flex connectors, an expansion tank and seismic straps. Checked the draft and "
                    "set the thermostat to 120°F.",
                    (
                        Photo("water_heater", "Old tank leaking at the base"),
                        Photo("water_heater", "New water heater installed"),
                        Photo("pipes", "Expansion tank and new connectors"),
                    ),
                    hour=8,
                    hours=5,
                ),
            ),
            notes=(
                Note("Flush the tank once a year to keep sediment down; we can do it at your annual "
                     "inspection.", "Aisha Rahman", shared=True),
                Note("Permit inspection passed first time (inspector J. Ortiz).", "Owen Price", shared=False),
            ),
            files=(
                File(
                    "Water heater warranty.pdf",
                    "Water heater warranty registration",
                    (
                        "Model: Bradford White RG250T6N, 50 gal, natural gas",
                        "Tank warranty: 6 years. Parts: 6 years. Labour: 1 year by Pipeworks.",
                        "Registered online on the day of installation.",
                    ),
                    shared=True,
                ),
            ),
            invoices=(Invoice("paid", issued_day=-45, payments=(Payment("card", 1),)),),
        ),
        Job(
            "Kitchen sink leak",
            day=-6,
            status="completed",
            hour=14,
            hours=1,
            technician=AISHA,
            charges=(
                Charge("Service call", 8900),
                Charge("P-trap assembly, 1.5 in", 2450),
                Charge("Labour (hours)", 11500, "0.5"),
            ),
            visits=(
                Visit(
                    -6,
                    "Replaced the leaking P-trap",
                    "The slip-joint nut on the P-trap was cracked. Replaced the trap assembly and tested "
                    "with a full basin: dry.",
                    (
                        Photo("leak", "Leak under the kitchen sink"),
                        Photo("pipes", "New P-trap fitted"),
                    ),
                    hour=14,
                    hours=1,
                ),
            ),
            invoices=(Invoice("open", issued_day=-5),),
        ),
        Job("Annual plumbing inspection", day=14, status="scheduled", technician=OWEN,
            description="Whole-house check: fixtures, shut-off valves, water heater flush."),
    ),
)

RIVERSIDE_CAFE = Account(
    name="Riverside Café",
    address="45 N Center St\nMesa, AZ 85201",
    phone="(480) 555-0177",
    contacts=(
        Contact("Dana", "Whitfield", "(480) 555-0177", (Email("dana@riversidecafe.example"),), is_primary=True),
        Contact("Marco", "Ruiz", "(480) 555-0178", (Email("marco@riversidecafe.example", send_invoices=False),)),
    ),
    jobs=(
        Job(
            "Grease trap pump-out",
            day=-35,
            status="completed",
            hour=6,
            technician=OWEN,
            charges=(
                Charge("Grease trap pump-out, 500 gal", 42500),
                Charge("Grease disposal fee", 6500),
            ),
            visits=(
                Visit(
                    -35,
                    "Pumped the grease trap",
                    "The trap was 75% full of grease and solids. Pumped it, scraped the baffles and "
                    "checked the outlet tee. At this volume, pump every 60 days.",
                    (
                        Photo("drain", "Grease trap before pumping"),
                        Photo("drain", "Trap after cleaning"),
                    ),
                    hour=6,
                ),
            ),
            notes=(Note("Use the alley entrance; the kitchen staff start at 6 am.", "Owen Price", shared=False),),
            invoices=(
                Invoice("overdue", issued_day=-34,
                        payments=(Payment("cheque", 10, percent=30, reference="Cheque #3310"),)),
            ),
        ),
        Job(
            "Backflow preventer annual test",
            day=-12,
            status="completed",
            hours=1,
            technician=OWEN,
            charges=(Charge("Backflow test and city filing", 12500),),
            visits=(
                Visit(
                    -12,
                    "Backflow test passed",
                    "Tested the 1-inch reduced-pressure assembly: check valve 1 held at 5.2 psi, check "
                    "valve 2 at 1.8 psi, the relief valve opened at 2.6 psi. Passed; results filed "
                    "with the City of Mesa.",
                    (Photo("backflow", "Backflow assembly under test"),),
                    hours=1,
                ),
            ),
            files=(
                File(
                    "Backflow test certificate.pdf",
                    "Backflow prevention assembly test report",
                    (
                        "Assembly: 1 in reduced-pressure principle, Watts 009",
                        "Check valve 1: closed tight, 5.2 psid",
                        "Check valve 2: closed tight, 1.8 psid",
                        "Relief valve: opened at 2.6 psid",
                        "Result: PASSED. Tester: Owen Price, certificate BT-4471.",
                    ),
                    shared=True,
                ),
                File(
                    "City filing confirmation.txt",
                    "City filing confirmation",
                    ("City of Mesa backflow portal: report accepted, confirmation MB-2291-0045.",),
                    shared=False,
                ),
            ),
            invoices=(
                Invoice("paid", issued_day=-12, terms_days=30,
                        payments=(Payment("bank", 8, reference="ACH 0099-3321"),)),
            ),
        ),
        Job("Grease trap pump-out", day=20, status="scheduled", hour=6, technician=OWEN),
    ),
)

OKAFOR = Account(
    name="Chinedu Okafor",
    address="560 E Brown Rd\nMesa, AZ 85203",
    phone="(480) 555-0194",
    contacts=(
        Contact("Chinedu", "Okafor", "(480) 555-0194", (Email("chinedu.okafor@example.net"),), is_primary=True),
        Contact("Ngozi", "Okafor", "(480) 555-0195", (Email("ngozi.okafor@example.net"),)),
    ),
    jobs=(
        Job(
            "Main line drain cleaning",
            day=-70,
            status="completed",
            hours=3,
            technician=AISHA,
            charges=(
                Charge("Main line hydro-jetting", 34500),
                Charge("Sewer camera inspection", 17500),
            ),
            visits=(
                Visit(
                    -70,
                    "Cleared the main line and ran the camera",
                    "Tree roots at 42 ft from the cleanout. Jetted the line and ran the camera: the pipe "
                    "is intact, with light roots left at one joint. Treat the roots every 12 months.",
                    (
                        Photo("drain", "Camera view: roots at 42 ft"),
                        Photo("drain", "The line after jetting"),
                    ),
                    hours=3,
                ),
            ),
            notes=(Note("Roots will come back; we will remind you in a year.", "Aisha Rahman", shared=True),),
            invoices=(Invoice("paid", issued_day=-70, payments=(Payment("cash", 0),)),),
        ),
        Job(
            "Toilet replacement",
            day=-25,
            status="completed",
            technician=AISHA,
            charges=(
                Charge("Toilet, TOTO Drake 1.28 gpf", 38900),
                Charge("Installation labour (hours)", 11500, "1.5"),
                Charge("Wax ring and supply line", 1850),
            ),
            visits=(
                Visit(
                    -25,
                    "Replaced the hall toilet",
                    "Removed the cracked toilet, replaced the flange bolts and wax ring, fitted a new "
                    "braided supply line and quarter-turn shut-off. No leaks after ten flushes.",
                    (Photo("pipes", "New supply line and shut-off valve"),),
                ),
            ),
            invoices=(
                Invoice("void", issued_day=-24,
                        memo="Voided: covered by the customer's home warranty claim HW-55821."),
            ),
        ),
        Job(
            "Repipe estimate visit",
            day=-2,
            status="completed",
            hours=1,
            technician=OWEN,
            charges=(Charge("Whole-house repipe consultation", 7500),),
            visits=(
                Visit(
                    -2,
                    "Inspected the galvanised supply lines",
                    "The galvanised steel supply lines are corroded inside; 38 psi at the kitchen tap. "
                    "A quote for a PEX repipe will follow.",
                    (Photo("pipes", "Corroded galvanised pipe section"),),
                    hours=1,
                ),
            ),
            files=(
                File(
                    "Repipe takeoff - internal.txt",
                    "Repipe takeoff",
                    (
                        "Approx. 180 ft of 3/4 in PEX-A and 240 ft of 1/2 in PEX-A",
                        "14 fixtures, 2 hose bibs; drywall patching by a subcontractor",
                        "Crew of two, three days",
                    ),
                    shared=False,
                ),
            ),
            invoices=(Invoice("draft", issued_day=None),),
        ),
        Job("Hose bib replacement", day=3, status="scheduled", technician=AISHA),
    ),
)

PIPEWORKS = TenantSpec(
    slug="pipeworks",
    name="Pipeworks Plumbing",
    trade="plumber",
    profile={
        "brand_colour": "#0f766e",
        "contact_email": "office@pipeworks.example",
        "contact_phone": "(480) 555-0132",
        "contact_address": "118 W Main St\nMesa, AZ 85201",
        "contact_hours": "Office Mon–Fri 7am–5pm · 24/7 emergency line",
        "website": "https://pipeworks.example",
        "timezone": "America/Phoenix",
        "currency": "USD",
        "locale": "en_US",
    },
    tax_rate_bp=0,
    account_prefix="C-",
    job_prefix="W-",
    first_job_number=10418,
    invoice_prefix="PW-",
    first_invoice_number=871,
    staff=STAFF,
    accounts=(PAT, RIVERSIDE_CAFE, OKAFOR),
)
