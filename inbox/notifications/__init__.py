"""In-app notifications: a short text and a link for one user."""
