"""Rapport's HTML views, one module per area: dashboard, contacts, companies, duplicates,
leads, pipeline (board and deals), orders, products, marketing set-up, analytics."""
