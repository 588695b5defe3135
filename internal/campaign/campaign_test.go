package campaign

import "testing"

func TestStateMachines(t *testing.T) {
	t.Parallel()
	allowed := [][2]string{{Draft, Active}, {Scheduled, Active}, {Active, Closed}, {Closed, Archived}}
	refused := [][2]string{{Active, Draft}, {Archived, Active}, {Draft, Closed}, {Closed, Scheduled}}
	for _, m := range allowed {
		if c := (Campaign{Status: m[0]}); !c.CanMove(m[1]) {
			t.Errorf("campaign %s -> %s refused; want allowed", m[0], m[1])
		}
	}
	for _, m := range refused {
		if c := (Campaign{Status: m[0]}); c.CanMove(m[1]) {
			t.Errorf("campaign %s -> %s allowed; want refused", m[0], m[1])
		}
	}
	p := Participation{Status: Pending}
	if err := p.Move(Validated); err != nil || p.Status != Validated {
		t.Fatalf("pending -> validated: %v", err)
	}
	if err := p.Move(Pending); err == nil {
		t.Fatal("validated -> pending allowed; want refused")
	}
	for _, s := range []string{Waiting, Pending, Validated} {
		if !Live(s) {
			t.Errorf("%s should count as live", s)
		}
	}
	if HoldsPlace(Waiting) || !HoldsPlace(Validated) {
		t.Error("a waiting participation holds no place; a validated one does")
	}
}
