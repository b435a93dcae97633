"""gateway: HTTP only — the JSON API /api/v1, the OpenAPI document, the web pages. It asks
the services over RPC and holds no business data (ARCHITECTURE.md)."""
