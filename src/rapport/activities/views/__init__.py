"""The activities app's pages: the list, the form, an activity's page with its completion,
and the section of the contact's 360° page."""
