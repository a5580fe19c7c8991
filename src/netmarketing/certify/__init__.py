"""certify room."""
