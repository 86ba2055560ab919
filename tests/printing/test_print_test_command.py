"""`pos-plugin print-test`: a sample note on the configured printer, or why not, in words."""

from __future__ import annotations

from pos_plugin.cli import cli


def test_print_test_prints_a_sample_note_on_the_printer(runner, printer):
    printer.start()

    result = runner.invoke(cli, ["print-test"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Sent a test note (")
    assert f"to 127.0.0.1:{printer.port}." in result.stdout
    [note] = printer.notes
    assert b"Test note, on the house" in note
    assert b"\x1bt\x13" in note  # Epson's € page 19, PC858
    assert b"\xd5 \x9c \x82 \xa4 \x81" in note  # € £ é ñ ü in PC858


def test_print_test_with_the_printer_off_says_what_went_wrong(runner, printer):
    result = runner.invoke(cli, ["print-test"])

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The test note did not print: 127.0.0.1:{printer.port} refused the "
        "connection; is the printer on?\n"
    )
