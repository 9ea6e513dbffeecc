"""Education-equity policy workbench."""
