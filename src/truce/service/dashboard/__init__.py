"""The operations-room dashboard: server-rendered pages served by `truce serve` beside the API,
signed in with a token, reading only through the service's own route functions
(docs/dashboard.md)."""
