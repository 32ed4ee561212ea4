"""Where a ledger's entries are kept: the storage contract every store keeps (``contract``) and
the stores themselves (``memory``, ``sqlite`` with its schema migrations in ``migrate``, and
``sql`` for SQL servers).

Nothing is imported here: each module is imported by its own name.
"""
