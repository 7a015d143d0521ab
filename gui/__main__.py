from gui.cli import entry

entry()
