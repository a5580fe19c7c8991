"""grading room."""
