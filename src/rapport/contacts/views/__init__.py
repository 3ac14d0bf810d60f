"""The contacts app's HTML pages: contacts, companies, duplicates and the 360° contact page."""
