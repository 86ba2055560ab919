"""Friendly receipt notes: templates, rendering, the durable print queue and its worker.

python-escpos and Pillow load on first use (`escpos_lib`, `render`), so the
tap path and a server with no printer never import them.
"""
