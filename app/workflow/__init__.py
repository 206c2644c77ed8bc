"""The application workflow: the transition table (data) and the commands that apply it."""
