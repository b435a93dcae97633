"""The services of tradecert, one package each, laid out alike (ARCHITECTURE.md)."""
