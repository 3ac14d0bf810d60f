"""Rapport: an open-source CRM for businesses that sell to people."""
