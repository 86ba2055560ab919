"""GET /api/v1/catalog: the comps a barista can give."""

from __future__ import annotations

from flask_smorest import Blueprint

from pos_plugin.api.errors import SIGNED_IN, documents
from pos_plugin.api.gate import caller
from pos_plugin.api.links import FIRST, link, operation
from pos_plugin.api.schemas import CatalogItemSchema
from pos_plugin.models import CatalogItem
from pos_plugin.services import catalog

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/catalog", description="The comp catalog")


@blp.get("")
@blp.response(200, CatalogItemSchema(many=True))
@documents(blp, *SIGNED_IN)
@operation(
    blp,
    "listCatalog",
    {200: {"TapTheFirstItem": link("createComp", "give the first item", body={"item_id": FIRST})}},
)
def list_catalog() -> list[CatalogItem]:
    return catalog.list_items(caller())
