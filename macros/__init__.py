"""Project macros (none yet: models use SQLMesh built-ins)."""
