"""Several tablets tapping at once never take a shift past its allowance.

Sixteen threads, each with its own client and database connection, hammer one
shift through the real API on SQLite and on PostgreSQL.
"""

import threading
import uuid
from collections import Counter

THREADS = 16


def hammer(app, headers, body, taps_per_thread, same_key=None):
    """Fire taps from THREADS threads released together; returns (status, json) pairs."""
    start = threading.Barrier(THREADS)
    results = []
    lock = threading.Lock()

    def worker():
        client = app.test_client()
        start.wait()
        for _ in range(taps_per_thread):
            key = same_key or str(uuid.uuid4())
            response = client.post(
                "/api/v1/comps", json=body, headers={**headers, "Idempotency-Key": key}
            )
            with lock:
                results.append((response.status_code, response.json))

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a tapping thread hung"
    return results


def current_shift(client, headers):
    return client.get("/api/v1/shifts/current", headers=headers).json


def test_concurrent_taps_never_exceed_the_value_allowance(app, client, auth, make_item):
    headers = auth("till")
    item = make_item(value=70)  # 1500 // 70 = 21 fit, but the count cap (20) bites first
    client.patch(
        "/api/v1/shifts/current",
        headers=auth("manager"),
        json={"allowance": {"amount": 1000, "currency": "EUR"}, "max_comps": None},
    )
    results = hammer(app, headers, {"item_id": item.id}, taps_per_thread=3)
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] == 1000 // 70
    shift = current_shift(client, headers)
    assert shift["used"]["amount"] == (1000 // 70) * 70 <= 1000
    assert shift["comps_count"] == statuses[201]


def test_concurrent_taps_never_exceed_the_count_cap(app, client, auth, make_item):
    headers = auth("till")
    table_service = make_item(value=0)
    client.patch(
        "/api/v1/shifts/current",
        headers=auth("manager"),
        json={"allowance": {"amount": 1500, "currency": "EUR"}, "max_comps": 7},
    )
    results = hammer(app, headers, {"item_id": table_service.id}, taps_per_thread=2)
    statuses = Counter(status for status, _ in results)
    assert statuses[201] == 7
    assert statuses[409] == THREADS * 2 - 7
    assert current_shift(client, headers)["comps_count"] == 7


def test_the_same_key_sent_at_once_from_many_threads_records_one_comp(app, client, auth, make_item):
    headers = auth("till")
    item = make_item(value=100)
    results = hammer(app, headers, {"item_id": item.id}, taps_per_thread=1, same_key="order-42")
    ids = {body["id"] for status, body in results if status in (200, 201)}
    statuses = Counter(status for status, _ in results)
    assert statuses[201] == 1
    assert statuses[200] == THREADS - 1
    assert len(ids) == 1
    assert current_shift(client, headers)["comps_count"] == 1
