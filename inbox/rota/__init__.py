"""Shift planning in the product: templates, monthly rotas, absences, wishes, service hours."""
