"""What the terminal app shows, as plain objects with no Textual: unit-tested on their own."""
