package matching_test

import (
	"context"
	"testing"

	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/internal/matching/synth"
)

// The figures that matter (the three sizes, LEMON) come from make
// bench-matching; these benchmarks watch the two hot paths at medium size.

func BenchmarkRecommend(b *testing.B) {
	inst := synth.Generate(1, 10_000, 1_000, 1)
	ix := matching.NewIndex(inst.Campaign, inst.Missions)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Recommend(&inst.Employees[i%len(inst.Employees)], 10)
	}
}

func BenchmarkAllocateMedium(b *testing.B) {
	inst := synth.Generate(1, 10_000, 1_000, 1)
	ix := matching.NewIndex(inst.Campaign, inst.Missions)
	for b.Loop() {
		p, err := ix.Pairs(context.Background(), inst.Employees, 0, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ix.Solve(context.Background(), inst.Employees, p, nil); err != nil {
			b.Fatal(err)
		}
	}
}
