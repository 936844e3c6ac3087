"""Small reusable widgets of the wizard's screens."""
