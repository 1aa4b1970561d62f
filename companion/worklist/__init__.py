"""The clinic's worklist: one list of what needs a person, most urgent first."""
