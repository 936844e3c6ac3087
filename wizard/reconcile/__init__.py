"""`reconcile`: compare every user Okta assigns to the app with every user in Kandji's SCIM
Users, streamed page by page, paced, and resumable (issue 13 §2)."""
