"""Webhooks: signed events for the till or a loyalty system, from a durable outbox.

`endpoints` registers receivers, `outbox` writes one delivery per endpoint per
event in the event's own transaction, `sending` signs and posts one, and
`worker` (started by `pos-plugin serve`) delivers them in order per endpoint.
"""
