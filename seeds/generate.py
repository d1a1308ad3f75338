#!/usr/bin/env python3
"""Writes the demo data in seeds/*.csv: deals of LatAm and European companies for the three example
workflows, with owners, amounts, close dates and the stages each deal went through.

The output is deterministic (a fixed random seed): run `python3 seeds/generate.py` after changing it and
commit the CSV files. `dealflow demo` imports them; `dealflow import seeds/b2b-sales.csv` does too.
"""
import csv
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

random.seed(20261102)
HERE = Path(__file__).parent
# Every stage path ends before the demo starts (Monday 2026-11-02).
DEMO_START = datetime(2026, 11, 2, 13, 0, tzinfo=timezone.utc)

COMPANIES = [
    # (company, country, currency, contact first names)
    ("Andes Logística", "CO", "COP", ["Lucía", "Camilo"]), ("Café Origen", "CO", "COP", ["Valentina", "Andrés"]),
    ("Textiles del Valle", "CO", "COP", ["María José", "Julián"]), ("Banco Cafetero Digital", "CO", "USD", ["Paula", "Santiago"]),
    ("Energía Caribe", "CO", "USD", ["Daniela", "Felipe"]), ("Grupo Alto Magdalena", "CO", "COP", ["Natalia", "Sebastián"]),
    ("Aceros Monterrey", "MX", "USD", ["Fernanda", "Diego"]), ("Farmacias del Bajío", "MX", "USD", ["Ximena", "Rodrigo"]),
    ("Tequila Azul Holdings", "MX", "USD", ["Regina", "Emiliano"]), ("Logística Pacífico MX", "MX", "USD", ["Sofía", "Iván"]),
    ("Agro Pampa", "AR", "USD", ["Martina", "Tomás"]), ("Vinos de Cuyo", "AR", "USD", ["Julieta", "Facundo"]),
    ("Mineração Serra Verde", "BR", "USD", ["Beatriz", "Rafael"]), ("Varejo Paulista", "BR", "USD", ["Larissa", "Thiago"]),
    ("Saúde Integrada", "BR", "USD", ["Camila", "Gustavo"]), ("Frutas del Maule", "CL", "USD", ["Josefa", "Benjamín"]),
    ("Cobre Andino", "CL", "USD", ["Antonia", "Matías"]), ("Pesquera Humboldt", "PE", "USD", ["Alessandra", "Renzo"]),
    ("Inca Textil", "PE", "USD", ["Mariana", "Gonzalo"]), ("Hoteles Mediterráneo", "ES", "EUR", ["Lucía", "Javier"]),
    ("Bodegas Rioja Alta", "ES", "EUR", ["Carmen", "Álvaro"]), ("Movilidad Urbana BCN", "ES", "EUR", ["Laia", "Pau"]),
    ("Conservas do Atlântico", "PT", "EUR", ["Inês", "João"]), ("Cortiça Lusa", "PT", "EUR", ["Mariana", "Tiago"]),
    ("Maison Lumière", "FR", "EUR", ["Camille", "Antoine"]), ("Transports Rhône-Alpes", "FR", "EUR", ["Léa", "Hugo"]),
    ("Nordwerk Maschinenbau", "DE", "EUR", ["Anna", "Lukas"]), ("Brauerei Kessler", "DE", "EUR", ["Lena", "Jonas"]),
    ("Officine Toscane", "IT", "EUR", ["Giulia", "Marco"]), ("Caseificio Emilia", "IT", "EUR", ["Chiara", "Luca"]),
    ("Havenlogistiek Rotterdam", "NL", "EUR", ["Sanne", "Daan"]), ("Polder Energie", "NL", "EUR", ["Emma", "Bram"]),
]
SUFFIXES = ["", " Norte", " Sur", " Group", " Digital", " Express", " Labs", " Partners"]
REPS = ["ana", "luis", "sofia", "mateo", "camila", "diego"]
CSMS = ["valeria", "tomas", "ines"]
AGENTS = ["carla", "pedro", "lucia"]


def at(moment):
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def work_time(day):
    """A time of day in working hours (UTC, for companies from UTC-5 to UTC+1)."""
    return datetime(day.year, day.month, day.day, random.randint(13, 21), random.choice([0, 15, 30, 45]), tzinfo=timezone.utc)


def path(stages, start, gaps=(2, 18)):
    """stage@time steps, each later than the one before, all before the demo starts."""
    while True:
        steps, moment, previous = [], start, None
        for stage in stages:
            if previous is not None:
                moment = max(work_time((previous + timedelta(days=random.randint(*gaps))).date()), previous + timedelta(hours=1))
            steps.append(f"{stage}@{at(moment)}")
            previous = moment
        if previous < DEMO_START:
            return ";".join(steps), previous
        gaps = (0, max(1, gaps[1] // 2))
        start = min(start, DEMO_START - timedelta(days=2 * len(stages) + 1))


def company_name(used):
    while True:
        name, country, currency, contacts = random.choice(COMPANIES)
        full = name + random.choice(SUFFIXES)
        if full not in used:
            used.add(full)
            return full, country, currency, contacts


PLAIN = str.maketrans("áéíóúãçâêôñü", "aeiouacaeonu")


def email(contact, company):
    user = contact.split()[0].lower().translate(PLAIN)
    domain = "".join(ch for ch in company.lower().translate(PLAIN) if ch.isascii() and ch.isalnum())[:18]
    return f"{user}@{domain}.com"


def amount(currency):
    if currency == "COP":
        return str(random.randrange(40_000_000, 900_000_000, 500_000))
    cents = random.choice(["00", "00", "50", "90"])
    return f"{random.randrange(4_000, 240_000, 250)}.{cents}"


def b2b_sales():
    shape = (
        [("prospecting",)] * 48 + [("prospecting", "qualification")] * 44
        + [("prospecting", "qualification", "proposal")] * 40
        + [("prospecting", "qualification", "proposal", "negotiation")] * 26
        + [("prospecting", "qualification", "proposal", "negotiation", "won")] * 12
        + [("prospecting", "qualification", "proposal", "won")] * 4
        + [("prospecting", "lost")] * 10 + [("prospecting", "qualification", "lost")] * 14
        + [("prospecting", "qualification", "proposal", "lost")] * 8
        + [("prospecting", "qualification", "proposal", "negotiation", "lost")] * 5
        + [("prospecting", "qualification", "proposal", "negotiation", "won", "onboarding")] * 8
        + [("prospecting", "qualification", "proposal", "negotiation", "won", "onboarding", "customer")] * 14
        + [("prospecting", "stale")] * 3 + [("prospecting", "qualification", "stale")] * 4
    )
    fields = ["company", "contact_name", "contact_email", "segment", "amount", "currency", "close_date", "seats",
              "discount_pct", "decision_maker", "budget_confirmed", "notes", "lost_reason", "contract_start", "contract_end"]
    rows, used = [], set()
    for number, stages in enumerate(shape, start=1):
        company, country, currency, contacts = company_name(used)
        contact = random.choice(contacts)
        days_back = random.randint(10, 150) + 12 * len(stages)
        start = work_time((DEMO_START - timedelta(days=days_back)).date())
        stage_path, _ = path(stages, start)
        reached = set(stages)
        row = {"workflow": "b2b-sales", "id": f"b2b-{number:04d}", "owner": random.choice(REPS), "stage_path": stage_path,
               "company": company, "segment": random.choice(["smb", "smb", "mid_market", "mid_market", "enterprise"]),
               "currency": currency, "contact_name": contact}
        if reached & {"qualification", "stale"} or random.random() < 0.5:
            row["contact_email"] = email(contact, company)
        if reached & {"proposal", "negotiation", "won", "lost"} or random.random() < 0.4:
            row["amount"] = amount(currency)
            close = DEMO_START.date() + timedelta(days=random.randint(-20, 200))
            row["close_date"] = close.isoformat()
            row["seats"] = str(random.choice([5, 10, 25, 40, 80, 150]))
        if "qualification" in reached:
            row["decision_maker"] = "true"
        if reached & {"proposal", "negotiation", "won"}:
            row["budget_confirmed"] = "true"
            row["discount_pct"] = random.choice(["0", "5", "10", "12.5", "15"])
        if "lost" in stages:
            row["lost_reason"] = random.choice(["price", "competitor", "no_budget", "timing", "no_response", "other"])
            row["notes"] = random.choice(["Chose a local provider.", "Budget frozen until next fiscal year.",
                                          "No answer after three follow-ups.", "Went with the incumbent."])
        if reached & {"onboarding", "customer"}:
            contract_start = DEMO_START.date() - timedelta(days=random.randint(20, 300))
            row["contract_start"] = contract_start.isoformat()
            row["contract_end"] = (contract_start + timedelta(days=365)).isoformat()
        rows.append(row)
    return ["workflow", "id", "owner", "stage_path"] + fields, rows


def customer_lifecycle():
    shape = ([("acquisition",)] * 10 + [("acquisition", "active")] * 30 + [("acquisition", "active", "at_risk")] * 6
             + [("acquisition", "active", "expansion")] * 6 + [("acquisition", "active", "renewal")] * 5
             + [("acquisition", "active", "churned")] * 4 + [("acquisition", "active", "at_risk", "active")] * 3)
    fields = ["account", "plan", "mrr", "currency", "renewal_date", "health_score", "open_complaints", "expansion",
              "expansion_mrr", "churn_reason"]
    rows, used = [], set()
    for number, stages in enumerate(shape, start=1):
        account, country, currency, _ = company_name(used)
        currency = "EUR" if currency == "EUR" else ("BRL" if country == "BR" else ("MXN" if country == "MX" else "USD"))
        start = work_time((DEMO_START - timedelta(days=random.randint(120, 420))).date())
        stage_path, _ = path(stages, start, gaps=(20, 90))
        reached = set(stages)
        plan = random.choice(["starter", "growth", "growth", "enterprise"])
        mrr = {"starter": 490, "growth": 2400, "enterprise": 9800}[plan] * random.choice([1, 1, 2, 3])
        row = {"workflow": "customer-lifecycle", "id": f"acct-{number:04d}", "owner": random.choice(CSMS),
               "stage_path": stage_path, "account": account, "plan": plan, "currency": currency}
        if reached - {"acquisition"}:
            row["mrr"] = f"{mrr}.00"
            row["renewal_date"] = (DEMO_START.date() + timedelta(days=random.randint(20, 330))).isoformat()
        if stages[-1] == "renewal":
            row["renewal_date"] = (DEMO_START.date() + timedelta(days=random.randint(25, 85))).isoformat()
        row["health_score"] = str(random.randint(30, 49) if stages[-1] == "at_risk" else random.randint(55, 98))
        row["open_complaints"] = str(random.choice([2, 3]) if stages[-1] == "at_risk" else random.choice([0, 0, 0, 1]))
        if stages[-1] == "expansion":
            row["expansion"] = "up_sell" if plan != "enterprise" else "cross_sell"
            row["expansion_mrr"] = f"{random.choice([500, 1200, 2500, 4000])}.00"
            row["health_score"] = str(random.randint(75, 98))
        if stages[-1] == "churned":
            row["churn_reason"] = random.choice(["price", "product_fit", "support", "competitor", "budget"])
        rows.append(row)
    return ["workflow", "id", "owner", "stage_path"] + fields, rows


def service_requests():
    shape = ([("new",)] * 10 + [("new", "acknowledged")] * 10 + [("new", "acknowledged", "in_progress")] * 20
             + [("new", "acknowledged", "in_progress", "waiting_on_customer")] * 10
             + [("new", "acknowledged", "in_progress", "resolved")] * 15
             + [("new", "acknowledged", "in_progress", "resolved", "closed")] * 20
             + [("new", "acknowledged", "in_progress", "resolved", "reopened")] * 5)
    subjects = {
        "complaint": ["Invoice charged twice", "Late delivery of the October order", "Support never called back",
                      "Wrong currency on the invoice"],
        "request": ["Add three user seats", "Change the billing contact", "Export of last year's orders",
                    "Training session for the new team"],
        "question": ["How is the discount applied?", "Can we pay in two installments?", "Where is the API key?"],
        "incident": ["Dashboard down since this morning", "Sync with the ERP failing", "Login errors for all users"],
    }
    fields = ["customer", "subject", "details", "kind", "priority", "channel", "related_deal", "resolution", "root_cause",
              "satisfaction", "reopen_count"]
    rows, used = [], set()
    for number, stages in enumerate(shape, start=1):
        customer, _, _, _ = company_name(used) if random.random() < 0.5 else random.choice(COMPANIES)[0:4]
        kind = random.choice(["complaint", "request", "request", "question", "incident"])
        start = work_time((DEMO_START - timedelta(days=random.randint(3, 45))).date())
        stage_path, _ = path(stages, start, gaps=(0, 3))
        row = {"workflow": "service-requests", "id": f"req-{number:04d}", "owner": random.choice(AGENTS),
               "stage_path": stage_path, "customer": customer, "subject": random.choice(subjects[kind]), "kind": kind,
               "priority": "high" if kind == "incident" else random.choice(["low", "normal", "normal", "high"]),
               "channel": random.choice(["email", "phone", "chat", "web"])}
        if set(stages) & {"resolved", "closed"} and stages[-1] != "reopened":
            row["resolution"] = random.choice(["Credited the duplicate charge.", "Sent the export by email.",
                                               "Explained the discount rules on a call.", "Restarted the sync worker."])
            row["satisfaction"] = str(random.randint(3, 5))
        if kind == "complaint" and {"resolved", "closed"} & set(stages):
            row["root_cause"] = random.choice(["Billing batch ran twice.", "Carrier delay.", "Ticket routed to the wrong queue."])
        if stages[-1] == "reopened":
            row["reopen_count"] = "1"
        rows.append(row)
    return ["workflow", "id", "owner", "stage_path"] + fields, rows


for name, (header, rows) in {"b2b-sales": b2b_sales(), "customer-lifecycle": customer_lifecycle(),
                             "service-requests": service_requests()}.items():
    with open(HERE / f"{name}.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"seeds/{name}.csv: {len(rows)} deals")
