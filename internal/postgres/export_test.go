package postgres

// SelectArgs is selectArgs, for the tests of the package's clients.
var SelectArgs = (*DB).selectArgs
