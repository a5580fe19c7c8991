"""standard room."""
