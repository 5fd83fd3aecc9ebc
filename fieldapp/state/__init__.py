"""Each screen's logic as plain Python, driven by unit tests without Flet; ``needs.py`` says what each one is given."""
