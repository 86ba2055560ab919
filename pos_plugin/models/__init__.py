"""The store's tables, one module per domain; importing this registers them all."""

from pos_plugin.models.access import Device, StaffSession
from pos_plugin.models.audit import AuditEvent
from pos_plugin.models.catalog import CatalogItem
from pos_plugin.models.comps import Comp, CompStatus, IdempotencyKey
from pos_plugin.models.people import ApiToken, Role, SignInAttempt, Staff
from pos_plugin.models.playbook import Breakdown, BreakdownStatus
from pos_plugin.models.printing import PrintJob, PrintJobStatus
from pos_plugin.models.shifts import Shift, ShiftTemplate
from pos_plugin.models.store import Store
from pos_plugin.models.sync import BatchState, SyncBatch
from pos_plugin.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BatchState",
    "Breakdown",
    "BreakdownStatus",
    "CatalogItem",
    "Comp",
    "CompStatus",
    "DeliveryState",
    "Device",
    "IdempotencyKey",
    "PrintJob",
    "PrintJobStatus",
    "Role",
    "Shift",
    "ShiftTemplate",
    "SignInAttempt",
    "Staff",
    "StaffSession",
    "Store",
    "SyncBatch",
    "WebhookDelivery",
    "WebhookEndpoint",
]
