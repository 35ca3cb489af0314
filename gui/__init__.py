"""PySide6 + pyqtgraph front end of Optimizer Lab: window, panels, worker thread, export."""
