"""The application layer: one function per use case, typed arguments in, typed result schemas
out. The CLI, the service, the dashboard and the briefings call these functions (see
docs/architecture.md). Ledger modules: ``ledger`` (record, verify, compare, log, export,
amendments, keys), ``ledger_admin`` (init, sync, clone, backup), ``proofs`` (checkpoints,
cosignatures, proof bundles) and ``people`` (people.db), their results in ``ledger_schemas``."""
