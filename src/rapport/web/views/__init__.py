"""Rapport's HTML views, one module per area: dashboard, contacts, companies, duplicates."""
