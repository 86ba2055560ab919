"""The receipt pass-through: the till prints through us, and a waiting note joins its receipt.

`cuts` finds the paper cuts in the till's ESC/POS stream, `notes` claims the
note a receipt should carry, `proxy` moves the bytes between the till and the
printer, and `app` runs it inside `pos-plugin serve`.
"""
