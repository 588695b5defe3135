package telemetry

import (
	"database/sql"
	"errors"
)

// isNoRows is a lookup that found nothing: an answer, not a failure.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
