"""Generic pages every app's records use: importing files (by kind, through the importer
registry) and exporting a list (each app's urls.py passes its ListExport)."""
