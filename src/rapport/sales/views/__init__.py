"""The sales app's HTML pages: leads, the pipeline board and deals, orders, marketing set-up."""
