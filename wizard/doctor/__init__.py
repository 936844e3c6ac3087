"""`doctor`: find an existing Okta→Kandji integration (made by this wizard or by hand) and check
it read-only, in the article's order, with evidence and ranked findings (issue 13 §1)."""
