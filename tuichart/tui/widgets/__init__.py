"""Widgets of the terminal app, fed by attributes the app pushes down."""
