"""atheris harnesses (`make fuzz`)."""
