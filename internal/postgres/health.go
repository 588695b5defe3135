package postgres

import (
	"context"
	"fmt"
)

// Readiness reports whether the database answers and its schema is current.
type Readiness struct{ DB *DB }

// Ready implements the server's readiness check. Errors stay in the logs;
// the checks map says only what a load balancer or an operator needs.
func (r Readiness) Ready(ctx context.Context) (map[string]any, error) {
	checks := map[string]any{"database": "ok"}
	if err := r.DB.PingContext(ctx); err != nil {
		checks["database"] = "unreachable"
		return checks, err
	}
	applied, pending, err := Pending(ctx, r.DB.DB)
	if err != nil {
		checks["migrations"] = "unknown"
		return checks, err
	}
	checks["migrations"] = map[string]int{"applied": applied, "pending": pending}
	if pending > 0 {
		return checks, fmt.Errorf("%d migrations pending: run `vendredi migrate up`", pending)
	}
	return checks, nil
}
