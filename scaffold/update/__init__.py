"""Template lifecycle: versioned template sources, safe `scaffold update`, drift checks."""
