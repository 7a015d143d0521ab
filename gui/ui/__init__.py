"""The Qt shell: main window, table model, worker thread, dialogs."""
