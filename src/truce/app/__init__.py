"""The application layer: one function per use case, typed arguments in, typed result schemas
out. The CLI, the service, the dashboard and the briefings call these functions (see
docs/architecture.md). Modules: ``ledger`` (ledger directories) with ``ledger_schemas``."""
