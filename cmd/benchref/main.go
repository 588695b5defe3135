// Command benchref is the reference that Vendredi's cheap requests are
// measured against (make bench-http): a bare Fiber v2 server with a pgx
// pool that answers GET /ping with the result of SELECT 1. It does the
// least a request that reads the database can do on this stack, so the
// ratio of Vendredi's throughput to its own, measured in the same run on
// the same machine, says what Vendredi's request path costs.
//
//	go run ./cmd/benchref -listen 127.0.0.1:3351 -database-url "$DATABASE_URL"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:3351", "address to listen on")
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL")
	conns := flag.Int("conns", 20, "most PostgreSQL connections (as Vendredi's DB_MAX_CONNS)")
	flag.Parse()
	cfg, err := pgxpool.ParseConfig(*dbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchref:", err)
		os.Exit(1)
	}
	cfg.MaxConns = int32(*conns)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchref:", err)
		os.Exit(1)
	}
	defer pool.Close()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ping", func(c *fiber.Ctx) error {
		var one int
		if err := pool.QueryRow(c.UserContext(), "SELECT 1").Scan(&one); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"one": one})
	})
	if err := app.Listen(*listen); err != nil {
		fmt.Fprintln(os.Stderr, "benchref:", err)
		os.Exit(1)
	}
}
