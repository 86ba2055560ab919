"""GET /api/v1/catalog: the buttons on the tablet."""


def test_the_catalog_lists_items_in_order_with_their_value(client, auth, make_item):
    make_item(value=50, name="Extra cream on the side")
    make_item(value=0, name="Table service", active=False)
    items = client.get("/api/v1/catalog", headers=auth("barista")).json
    assert [i["name"] for i in items] == ["Extra cream on the side", "Table service"]
    assert items[0]["value"] == {"amount": 50, "currency": "EUR"}
    assert items[0]["icon"] == "🍪"
    assert [i["active"] for i in items] == [True, False]
