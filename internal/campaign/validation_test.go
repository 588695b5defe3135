package campaign

import (
	"slices"
	"testing"
	"time"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Each validation reports every field at fault at once, in the form's
// order, each field once (by its first broken rule).
func TestValidationsReportEveryMistake(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC)
	zero := -1.0
	for _, c := range []struct {
		name string
		err  error
		want []string
	}{
		{"campaign", (&Campaign{StartsOn: start, EndsOn: start.AddDate(0, 0, -1), Audience: AudienceSites,
			MaxActivePerEmployee: 0, ResponseDays: 7, GoalHours: &zero}).Normalize(),
			[]string{"name", "ends_on", "audience_values", "goal_hours", "max_active_per_employee"}},
		{"campaign, one mistake", (&Campaign{Name: "Printemps", StartsOn: start, EndsOn: start, MaxActivePerEmployee: 101, ResponseDays: 7}).Normalize(),
			[]string{"max_active_per_employee"}},
		{"template", (&Template{Code: "Pas Bon", NameFR: "Modèle", AutoApproveHours: 25}).Normalize(),
			[]string{"code", "name_en", "auto_approve_hours"}},
		{"profile", (&Profile{HoursPerWeek: 70, RadiusKM: -1, Formats: []string{}}).Normalize(),
			[]string{"hours_per_week", "radius_km", "formats"}},
	} {
		var got []string
		for _, f := range errs.FieldsOf(c.err) {
			got = append(got, f.Field)
		}
		if !slices.Equal(got, c.want) || errs.FieldOf(c.err) != c.want[0] || !errs.Is(c.err, errs.Invalid) {
			t.Errorf("%s: fields %q (%v); want %q, the first as the error's own", c.name, got, c.err, c.want)
		}
	}
}
