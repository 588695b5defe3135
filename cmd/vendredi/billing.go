package main

import (
	"time"

	"github.com/urfave/cli/v3"

	"github.com/vendredi-app/vendredi/internal/billing"
)

// billingFlags are the settings of billing (docs/billing.md), for serve
// and worker alike: both call Stripe. Without STRIPE_SECRET_KEY billing is
// off and the product runs without it.
func billingFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "stripe-secret-key", Usage: "Stripe's secret key; unset, billing is off", Sources: cli.EnvVars("STRIPE_SECRET_KEY")},
		&cli.StringFlag{Name: "stripe-webhook-secret", Usage: "the signing secret of the /webhooks/stripe endpoint (whsec_…)",
			Sources: cli.EnvVars("STRIPE_WEBHOOK_SECRET")},
		&cli.StringFlag{Name: "stripe-api-base", Usage: "Stripe's API address (stripe-mock's in tests); default Stripe's own",
			Sources: cli.EnvVars("STRIPE_API_BASE")},
		&cli.StringFlag{Name: "stripe-prices", Usage: "the plans' Stripe Price ids: essentiel:month=price_…,essentiel:year=price_…,entreprise:month=…,entreprise:year=…",
			Sources: cli.EnvVars("STRIPE_PRICES")},
		&cli.DurationFlag{Name: "billing-grace", Usage: "how long HR may still administer after a failed payment", Value: 14 * 24 * time.Hour,
			Sources: cli.EnvVars("BILLING_GRACE"), Validator: positiveDuration("BILLING_GRACE")},
		&cli.DurationFlag{Name: "billing-seat-debounce", Usage: "least time between two seat updates of a company at Stripe", Value: 5 * time.Minute,
			Sources: cli.EnvVars("BILLING_SEAT_DEBOUNCE"), Validator: positiveDuration("BILLING_SEAT_DEBOUNCE")},
		&cli.DurationFlag{Name: "billing-suspend-notice", Usage: "how long a company whose subscription ended keeps its space", Value: 7 * 24 * time.Hour,
			Sources: cli.EnvVars("BILLING_SUSPEND_NOTICE"), Validator: positiveDuration("BILLING_SUSPEND_NOTICE")},
	}
}

// billingConfig reads the billing flags.
func billingConfig(cmd *cli.Command) (billing.Config, error) {
	plans, err := billing.ParsePrices(billing.DefaultPlans(), cmd.String("stripe-prices"))
	if err != nil {
		return billing.Config{}, err
	}
	return billing.Config{SecretKey: cmd.String("stripe-secret-key"), WebhookSecret: cmd.String("stripe-webhook-secret"),
		APIBase: cmd.String("stripe-api-base"), Plans: plans, Grace: cmd.Duration("billing-grace"),
		SeatDebounce: cmd.Duration("billing-seat-debounce"), SuspendNotice: cmd.Duration("billing-suspend-notice")}, nil
}
