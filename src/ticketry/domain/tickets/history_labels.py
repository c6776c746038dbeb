"""How a history entry reads: the words for its kind and fields (English, which the desk's
catalog translates, ``web/i18n.py``) and its values as text. The desk renders these lines;
faces that carry a text (Retino's ``history_item_data.text``) join them into a sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ticketry.domain.tickets.history import HistoryEntry

# What the actor did, by kind: "Jana Nováková replied publicly".
KIND_LABELS = {
    "CREATED": "created the ticket",
    "UPDATED": "changed the ticket",
    "CLOSED": "closed the ticket",
    "REOPENED": "reopened the ticket",
    "PRODUCT_ADDED": "added a product",
    "PRODUCT_UPDATED": "changed a product",
    "PRODUCT_REMOVED": "removed a product",
    "PUBLIC_REPLY": "replied publicly",
    "CUSTOMER_REPLY": "replied",
    "INTERNAL_NOTE": "added an internal note",
    "MESSAGE_DELETED": "deleted a message",
    "FILE_ATTACHED": "attached a file",
}

FIELD_LABELS = {
    "state": "State",
    "status": "Status",
    "type": "Type",
    "assignee": "Assignee",
    "requester": "Customer",
    "tags": "Tags",
    "subject": "Subject",
    "priority": "Priority",
    "channel": "Channel",
    "department": "Department",
    "from_email": "From e-mail",
    "customer_name": "Customer name",
    "customer_email": "Customer e-mail",
    "customer_phone": "Customer phone",
    "company": "Company",
    "currency": "Currency",
    "language": "Language",
    "country": "Country",
    "order_id": "Order number",
    "order_date": "Order date",
    "customer_rating": "Customer rating",
    "customer_rating_comment": "Rating comment",
    "is_unread": "Unread",
    "products_removed": "Products removed",
    "name": "Name",
    "manufacturer": "Manufacturer",
    "category": "Category",
    "product_id": "Product ID",
    "variant": "Variant",
    "ean": "EAN",
    "serial": "Serial number",
    "amount": "Amount",
    "price_with_vat": "Price with VAT",
    "price_without_vat": "Price without VAT",
    "price_vat": "VAT",
    "custom_fields": "Custom fields",
}

# Who, when no person is named.
ACTOR_LABELS = {
    "system": "Ticketry",
    "customer": "Customer",
    "api_key": "API key",
    "oauth_app": "OAuth app",
    "portal": "returns portal",
}


def localized(name: Any, lang: str) -> str:
    """A catalog name (``{"cs": …, "en": …}``) in ``lang``, else English, else any."""
    if isinstance(name, dict):
        return str(name.get(lang) or name.get("en") or next(iter(name.values()), ""))
    return "" if name is None else str(name)


def value_text(value: Any, lang: str) -> str:
    """A recorded value as text: a named row by its name, yes/no, lists joined, none as —."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "name" in value:
            return localized(value["name"], lang) or "—"
        return ", ".join(f"{k}: {value_text(v, lang)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(v, lang) for v in value)
    return str(value)


@dataclass
class ChangeLine:
    """One changed field: its label (a catalog key, or a custom field's own name) and the
    values as text; tags say what was added and removed instead."""

    label: str
    translate: bool  # whether ``label`` is a catalog key (a custom field's name is not)
    old: str = ""
    new: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def change_lines(entry: HistoryEntry, lang: str) -> list[ChangeLine]:
    lines = []
    for change in entry.changes:
        name = str(change.get("field", ""))
        if name == "custom_field":
            label = localized(change.get("name"), lang) or str(change.get("key", ""))
            translate = False
        else:
            label, translate = FIELD_LABELS.get(name, name.replace("_", " ")), True
        line = ChangeLine(label=label, translate=translate)
        if "added" in change or "removed" in change:
            line.added = [value_text(v, lang) for v in change.get("added") or []]
            line.removed = [value_text(v, lang) for v in change.get("removed") or []]
        else:
            line.old = value_text(change.get("old"), lang)
            line.new = value_text(change.get("new"), lang)
        lines.append(line)
    return lines


def actor_text(entry: HistoryEntry) -> str:
    """Who, in English: a person's or credential's name, else what kind of actor."""
    by = entry.by
    kind = str(by.get("kind", "system"))
    name = by.get("name")
    text = str(name) if name else ACTOR_LABELS.get(kind, kind)
    via = by.get("via")
    if isinstance(via, dict) and via.get("kind"):
        through = via.get("name") or ACTOR_LABELS.get(str(via["kind"]), str(via["kind"]))
        text += f" (via {through})"
    return text


def entry_sentence(entry: HistoryEntry, lang: str = "en") -> str:
    """The entry as one English sentence; a message's or note's text is itself."""
    if entry.kind in ("PUBLIC_REPLY", "CUSTOMER_REPLY", "INTERNAL_NOTE") and entry.text:
        return entry.text
    what = KIND_LABELS.get(entry.kind, entry.kind.replace("_", " ").lower())
    sentence = f"{actor_text(entry)} {what}"
    if entry.product:
        sentence += f" {entry.product}"
    if entry.attachments:
        sentence += f" {', '.join(entry.attachments)}"
    parts = []
    for line in change_lines(entry, lang):
        if line.added or line.removed:
            moves = [f"+{a}" for a in line.added] + [f"-{r}" for r in line.removed]
            parts.append(f"{line.label}: {', '.join(moves)}")
        else:
            parts.append(f"{line.label}: {line.old} → {line.new}")
    if parts:
        sentence += ": " + "; ".join(parts)
    return sentence
