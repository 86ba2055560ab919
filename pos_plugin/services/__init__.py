"""Domain services: one plain function per business action, called by every door.

Services take the actor and `now` explicitly, only flush, and raise
`pos_plugin.services.errors.DomainError`; the caller owns the transaction.
"""
