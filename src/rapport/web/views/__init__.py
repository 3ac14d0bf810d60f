"""The layout's own views: only the home page. Every domain app serves its own pages from
its `views` module (contacts/views/, sales/views/, catalog/views.py, ...)."""
