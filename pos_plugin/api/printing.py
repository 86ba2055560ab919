"""/api/v1/print-jobs, /api/v1/printer and a comp's receipt note: the print queue's doors."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from pos_plugin.api.errors import SIGNED_IN, documents
from pos_plugin.api.gate import caller
from pos_plugin.api.links import FIRST, link, operation
from pos_plugin.api.schemas import (
    PrinterStatusSchema,
    PrintJobListQuerySchema,
    PrintJobSchema,
    ReceiptQuerySchema,
)
from pos_plugin.caller import now
from pos_plugin.database import write_transaction
from pos_plugin.models import PrintJob
from pos_plugin.printing import app as printing
from pos_plugin.printing import queue as print_queue
from pos_plugin.services.store import get_store

blp = Blueprint("printing", __name__, url_prefix="/api/v1", description="Receipt notes")

MEDIA_TYPES = {"text": "text/plain", "escpos": "application/octet-stream", "png": "image/png"}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
RECEIPT_RESPONSES = {
    "200": {
        "description": "the note: text/plain (UTF-8), ESC/POS bytes, or a PNG preview",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/octet-stream": _BINARY,
            "image/png": _BINARY,
        },
    }
}


@blp.get("/print-jobs")
@blp.arguments(PrintJobListQuerySchema(), location="query")
@blp.response(200, PrintJobSchema(many=True))
@documents(blp, *SIGNED_IN, HTTPStatus.UNPROCESSABLE_ENTITY)
@operation(
    blp,
    "listPrintJobs",
    {
        200: {
            "RetryTheFirst": link("retryPrintJob", "retry it", parameters={"job_id": FIRST}),
            "PrintItsNote": link(
                "getReceipt", "its comp's note", parameters={"comp_id": "$response.body#/0/comp_id"}
            ),
        }
    },
)
def list_jobs(query: dict[str, Any]) -> list[PrintJob]:
    return print_queue.list_jobs(caller(), **query)


@blp.post("/print-jobs/<int(min=1, max=2147483647):job_id>/retry")
@blp.response(200, PrintJobSchema)
@documents(blp, *SIGNED_IN, HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY)
@operation(blp, "retryPrintJob")
def retry(job_id: int) -> PrintJob:
    with write_transaction():
        return print_queue.retry(caller(), job_id, now())


@blp.get("/printer")
@blp.response(200, PrinterStatusSchema)
@documents(blp, *SIGNED_IN)
@operation(blp, "getPrinter")
def printer_status() -> printing.PrinterStatus:
    return printing.printer_status(caller())


@blp.get("/comps/<uuid:comp_id>/receipt")
@blp.arguments(ReceiptQuerySchema(), location="query")
@blp.doc(responses=RECEIPT_RESPONSES)
@documents(blp, *SIGNED_IN, HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY)
@operation(blp, "getReceipt")
def receipt(query: dict[str, Any], comp_id: uuid.UUID) -> Response:
    fmt = query["format"]
    body = printing.receipt(caller(), get_store(), comp_id, fmt)
    return Response(body, mimetype=MEDIA_TYPES[fmt])
