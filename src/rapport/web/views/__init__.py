"""The layout's own views: the home page and the header's global search. Every domain
app serves its own pages from its `views` module (contacts/views/, sales/views/, ...)."""
