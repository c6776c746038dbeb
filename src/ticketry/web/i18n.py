"""A small message catalog. The portal speaks the account's language (``?lang=`` overrides);
English is the fallback for any missing entry, and the desk's language."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("cs", "en")
# The desk speaks English; what it says goes through the catalog all the same (its ticket
# history, for a start), so that a desk in Czech is catalog entries, not template edits.
DESK_LANGUAGE = "en"

_CS: dict[str, str] = {
    "Returns and complaints": "Vrácení a reklamace",
    "Find your order": "Najděte svou objednávku",
    "Order number": "Číslo objednávky",
    "E-mail used for the order": "E-mail použitý u objednávky",
    "Continue": "Pokračovat",
    "lookup_intro": "Zadejte číslo objednávky a e-mail, pod kterým jste nakupovali.",
    "lookup_failed": (
        "Objednávku s tímto číslem a e-mailem jsme nenašli. Zkontrolujte prosím obojí."
    ),
    "rate_limited": "Příliš mnoho pokusů. Zkuste to prosím znovu za několik minut.",
    "Order": "Objednávka",
    "Choose the items": "Vyberte zboží",
    "Product": "Zboží",
    "Ordered": "Objednáno",
    "Quantity to return": "Počet k vrácení",
    "Reason": "Důvod",
    "Choose…": "Vyberte…",
    "Describe the problem": "Popište problém",
    "Photos (JPEG, PNG or WebP, up to 5)": "Fotografie (JPEG, PNG nebo WebP, nejvýše 5)",
    "Add photos (JPEG, PNG or WebP, up to 5)": "Přidat fotografie (JPEG, PNG nebo WebP, nejvýše 5)",
    "Submit": "Odeslat",
    "err_items": "Vyberte alespoň jednu položku a počet nejvýše do objednaného množství.",
    "err_reason": "Vyberte důvod.",
    "err_description": "Popište prosím problém.",
    "err_photos": "Fotografie musí být JPEG, PNG nebo WebP, nejvýše 5 a do povolené velikosti.",
    "Thank you": "Děkujeme",
    "ack_text": "Vaši žádost jsme přijali pod číslem",
    "ack_link": "Tento odkaz si uložte, přes něj se k žádosti kdykoli vrátíte:",
    "Open your request": "Otevřít žádost",
    "Your request": "Vaše žádost",
    "Status": "Stav",
    "Messages": "Zprávy",
    "You": "Vy",
    "Support": "Podpora",
    "Reply": "Odpovědět",
    "Your message": "Vaše zpráva",
    "Send": "Odeslat",
    "err_body": "Napište prosím zprávu.",
    "Attachments": "Přílohy",
    "Language": "Jazyk",
    "Skip to content": "Přeskočit na obsah",
    "Not found": "Nenalezeno",
    "not_found_text": "Tato stránka neexistuje nebo odkaz již neplatí.",
    "status_new": "Nová",
    "status_open": "Řeší se",
    "status_pending": "Čeká na vás",
    "status_solved": "Vyřešeno",
    "status_closed": "Uzavřeno",
    "Please correct the marked fields.": "Opravte prosím označená pole.",
    "Try again later": "Zkuste to prosím později",
    "storage_unavailable": "Soubory teď nelze uložit ani načíst. Nic se neztratilo, zkuste to "
    "prosím za chvíli znovu.",
    # The desk's ticket history (domain/tickets/history_labels.py).
    "created the ticket": "založil(a) tiket",
    "changed the ticket": "změnil(a) tiket",
    "closed the ticket": "uzavřel(a) tiket",
    "reopened the ticket": "znovu otevřel(a) tiket",
    "added a product": "přidal(a) produkt",
    "changed a product": "změnil(a) produkt",
    "removed a product": "odebral(a) produkt",
    "replied publicly": "odpověděl(a) zákazníkovi",
    "replied": "odpověděl(a)",
    "added an internal note": "přidal(a) interní poznámku",
    "deleted a message": "smazal(a) zprávu",
    "attached a file": "přiložil(a) soubor",
    "Ticketry": "Ticketry",
    "Customer": "Zákazník",
    "API key": "API klíč",
    "OAuth app": "OAuth aplikace",
    "returns portal": "portál vratek",
    "via": "přes",
    "added": "přidáno",
    "removed": "odebráno",
    "State": "Stav",
    "Type": "Typ",
    "Assignee": "Řešitel",
    "Tags": "Štítky",
    "Subject": "Předmět",
    "Priority": "Priorita",
    "Unread": "Nepřečteno",
    "Customer e-mail": "E-mail zákazníka",
    "Customer name": "Jméno zákazníka",
    "Customer phone": "Telefon zákazníka",
    "Products removed": "Odebrané produkty",
    "Amount": "Množství",
    "Price with VAT": "Cena s DPH",
}

_EN: dict[str, str] = {
    "lookup_intro": "Enter your order number and the e-mail address you ordered with.",
    "lookup_failed": ("We could not find an order with this number and e-mail. Please check both."),
    "rate_limited": "Too many attempts. Please try again in a few minutes.",
    "err_items": "Choose at least one item, and no more than you ordered.",
    "err_reason": "Choose a reason.",
    "err_description": "Please describe the problem.",
    "err_photos": "Photos must be JPEG, PNG or WebP, at most 5, within the size limit.",
    "ack_text": "We have received your request. Its number is",
    "ack_link": "Keep this link; it brings you back to your request at any time:",
    "err_body": "Please write a message.",
    "not_found_text": "This page does not exist or the link is no longer valid.",
    "status_new": "New",
    "status_open": "In progress",
    "status_pending": "Waiting for you",
    "status_solved": "Solved",
    "status_closed": "Closed",
    "storage_unavailable": "Files cannot be stored or read right now. Nothing was lost; please "
    "try again in a moment.",
}

CATALOGS = {"cs": _CS, "en": _EN}


def pick_language(requested: str | None, account_language: str | None) -> str:
    for candidate in (requested, account_language):
        if candidate and candidate.lower()[:2] in LANGUAGES:
            return candidate.lower()[:2]
    return "en"


def translator(lang: str) -> Callable[[str], str]:
    catalog = CATALOGS.get(lang, {})
    english = CATALOGS["en"]

    def t(key: str) -> str:
        return catalog.get(key) or english.get(key) or key

    return t


def localized(name: dict | str | None, lang: str) -> str:
    """A catalog object's name (``{"cs": …, "en": …}``) in ``lang``, else any."""
    if isinstance(name, dict):
        return str(name.get(lang) or name.get("en") or next(iter(name.values()), ""))
    return name or ""
