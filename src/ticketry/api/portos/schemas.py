"""PORTOS wire schemas (camelCase, as PORTOS's JSON). Input and output kept apart."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec
from msgspec import Struct, field


class _In(Struct, rename="camel", kw_only=True):
    pass


class _Out(Struct, rename="camel", kw_only=True):
    pass


class NamedIn(_In):
    name: str | None = None


class CurrencyIn(_In):
    label: str | None = None


class LocationIn(_In):
    table: NamedIn | None = None
    zone: NamedIn | None = None


class CardIn(_In):
    serial_number: str | None = None


class CustomerIn(_In):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    card: CardIn | None = None
    discount_rate: Decimal | None = None


class EmployeeIn(_In):
    user_name: str | None = None


class QuantityIn(_In):
    amount: Decimal = Decimal(1)
    unit: str | None = None


class VatInfoIn(_In):
    rate: Decimal = Decimal(0)


class PluIn(_In):
    code: int | None = None
    name: str | None = None
    stock_name: str | None = None
    vat_info: VatInfoIn | None = None
    is_discount_allowed: bool = True


class TicketItemIn(_In):
    name: str | None = None
    type: str | None = None
    quantity: QuantityIn | None = None
    unit_price: Decimal = Decimal(0)
    discount_rate: Decimal | None = None
    plu: PluIn | None = None


class TicketIn(_In):
    """A ticket to create (POST) or create-or-update (PUT). Read-only members of the
    ticket (openDate, closeDate, closeInfo, totals) are ignored, so a fetched ticket can be
    sent back as it is."""

    id: str | None = None
    v: int | None = field(default=None, name="_v")
    external_id: str | None = None
    name: str | None = None
    purchase_type: str | None = None
    device_name: str | None = None
    origin_device_name: str | None = None
    currency: CurrencyIn | None = None
    discount_rate: Decimal | None = None
    location: LocationIn | None = None
    customer: CustomerIn | None = None
    employee: EmployeeIn | None = None
    items: list[TicketItemIn] = field(default_factory=list)
    rounding_amount: Decimal | None = None


class CloseInfoIn(_In):
    device_name: str | None = None
    fiscal_name: str | None = None
    number: int | None = None
    daily_sales_report_number: int | None = None
    fiscal_memory_serial_number: str | None = None


class TicketCloseIn(CloseInfoIn):
    """The fiscal printer's report; sent bare or as ``{"closeInfo": {…}}``."""

    close_info: CloseInfoIn | None = None
    v: int | None = field(default=None, name="_v")


class NamedOut(_Out):
    name: str | None


class CurrencyOut(_Out):
    label: str


class LocationOut(_Out):
    table: NamedOut | None
    zone: NamedOut | None


class CardOut(_Out):
    serial_number: str


class CustomerOut(_Out):
    name: str
    email: str
    phone: str
    card: CardOut | None
    discount_rate: Decimal


class EmployeeOut(_Out):
    user_name: str


class QuantityOut(_Out):
    amount: Decimal
    unit: str | None


class VatInfoOut(_Out):
    rate: Decimal


class PluOut(_Out):
    code: int | None
    name: str
    stock_name: str | None
    vat_info: VatInfoOut
    is_discount_allowed: bool


class TicketItemOut(_Out):
    id: int
    name: str
    type: str | None
    quantity: QuantityOut
    unit_price: Decimal
    vat: Decimal
    unit_price_including_vat: Decimal
    discount_rate: Decimal
    effective_discount: Decimal
    total_price: Decimal
    plu: PluOut


class CloseInfoOut(_Out):
    device_name: str | None
    fiscal_name: str | None
    number: int | None
    daily_sales_report_number: int | None
    fiscal_memory_serial_number: str | None


class TicketOut(_Out):
    id: str
    v: int = field(name="_v")
    external_id: str | None
    name: str
    purchase_type: str | None
    device_name: str | None
    origin_device_name: str | None
    currency: CurrencyOut
    discount_rate: Decimal
    open_date: datetime
    close_date: datetime | None
    close_info: CloseInfoOut | None
    location: LocationOut | None
    customer: CustomerOut | None
    employee: EmployeeOut | None
    items: list[TicketItemOut]
    rounding_amount: Decimal
    discount_amount: Decimal
    total_price: Decimal


class TicketQueryResult(Struct, kw_only=True, omit_defaults=True):
    """``items`` for a page; ``count`` alone (no items) when ``$count=true``."""

    items: list[TicketOut] | msgspec.UnsetType = msgspec.UNSET
    count: int | msgspec.UnsetType = msgspec.UNSET


class AuthIn(Struct, kw_only=True):
    UserName: str
    DeviceName: str
    Password: str | None = None


class RefreshIn(Struct, kw_only=True):
    tokenId: str
    refreshToken: str


class DeviceSettingsOut(_Out):
    default_fiscal_name: str | None = None


class DeviceOut(_Out):
    name: str
    env_name: str
    description: str | None
    preferences: dict[str, str]
    settings: DeviceSettingsOut


class UserOut(_Out):
    id: int
    is_virtual: bool
    name: str
    user_name: str
    feature_name: str | None
    rights: list[str]
    device: DeviceOut | None


class AuthResult(_Out):
    token_id: str
    refresh_token: str
    user: UserOut
