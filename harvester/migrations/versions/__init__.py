"""One file per schema revision; 0001 creates the schema as it was when migrations began."""
