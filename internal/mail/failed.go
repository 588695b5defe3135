package mail

import (
	"time"

	"github.com/google/uuid"
)

// Failed is a mail that was not delivered after its last attempt, or
// that the server refused for good.
type Failed struct {
	ID       int64
	To       string
	Subject  string
	Tenant   uuid.UUID
	Attempts int
	Error    string
	At       time.Time
}
