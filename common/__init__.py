"""Plumbing every app shares: errors, input parsing, versioned updates, API and admin bases.
It knows no domain and imports no app."""
