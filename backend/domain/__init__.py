"""The rules of the trade: no Flask request objects here, and no commits."""
