// Package synth generates realistic, reproducible matching instances for
// tests and benchmarks: skills drawn from the taxonomy with Zipf-like
// popularity, 1-20 places per mission, a third of the missions on site, and
// employees spread over France in proportion to the big cities' population.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// Size names an instance size of the benchmark.
type Size struct {
	Name      string
	Employees int
	Missions  int
}

// Sizes are the benchmark's sizes, smallest first; 30k is the intermediate
// size issue 14 names.
var Sizes = []Size{
	{"small", 1_000, 100},
	{"medium", 10_000, 1_000},
	{"30k", 30_000, 3_000},
	{"large", 100_000, 10_000},
}

// SizeByName finds one of Sizes.
func SizeByName(name string) (Size, error) {
	for _, s := range Sizes {
		if s.Name == name {
			return s, nil
		}
	}
	return Size{}, fmt.Errorf("unknown size %q (want small, medium, 30k or large)", name)
}

// Instance is a generated campaign.
type Instance struct {
	Campaign  matching.Campaign
	Missions  []matching.Mission
	Employees []matching.Employee
}

type city struct {
	name     string
	lat, lon float64
	weight   float64 // metropolitan population, thousands
}

var cities = []city{
	{"Paris", 48.8566, 2.3522, 11000}, {"Lyon", 45.7640, 4.8357, 2300}, {"Marseille", 43.2965, 5.3698, 1900},
	{"Toulouse", 43.6047, 1.4442, 1400}, {"Bordeaux", 44.8378, -0.5792, 1300}, {"Lille", 50.6292, 3.0573, 1200},
	{"Nice", 43.7102, 7.2620, 1000}, {"Nantes", 47.2184, -1.5536, 1000}, {"Strasbourg", 48.5734, 7.7521, 800},
	{"Montpellier", 43.6108, 3.8767, 800}, {"Rennes", 48.1173, -1.6778, 750}, {"Grenoble", 45.1885, 5.7245, 700},
	{"Rouen", 49.4432, 1.0999, 650}, {"Toulon", 43.1242, 5.9280, 600}, {"Clermont-Ferrand", 45.7772, 3.0870, 500},
	{"Tours", 47.3941, 0.6848, 500}, {"Nancy", 48.6921, 6.1844, 450}, {"Orléans", 47.9029, 1.9093, 450},
	{"Caen", 49.1829, -0.3707, 420}, {"Metz", 49.1193, 6.1757, 400}, {"Dijon", 47.3220, 5.0415, 400},
	{"Angers", 47.4784, -0.5632, 400}, {"Reims", 49.2583, 4.0317, 350}, {"Le Mans", 48.0061, 0.1996, 350},
	{"Brest", 48.3904, -4.4861, 320}, {"Perpignan", 42.6887, 2.8948, 320}, {"Limoges", 45.8336, 1.2611, 300},
	{"Amiens", 49.8940, 2.2958, 300}, {"Besançon", 47.2380, 6.0244, 280}, {"Poitiers", 46.5802, 0.3404, 260},
	{"Pau", 43.2951, -0.3708, 250}, {"Ajaccio", 41.9192, 8.7386, 90},
}

// sampler draws indices with fixed weights.
type sampler struct{ cum []float64 }

func newSampler(w []float64) sampler {
	c := make([]float64, len(w))
	acc := 0.0
	for i, x := range w {
		acc += x
		c[i] = acc
	}
	return sampler{c}
}

func (s sampler) draw(r *rand.Rand) int {
	x := r.Float64() * s.cum[len(s.cum)-1]
	return sort.SearchFloat64s(s.cum, x)
}

// zipf weights 1/(rank+1)^s over a seeded random ranking of n items.
func zipf(r *rand.Rand, n int, s float64) sampler {
	w := make([]float64, n)
	for i, rank := range r.Perm(n) {
		w[i] = 1 / math.Pow(float64(rank+1), s)
	}
	return newSampler(w)
}

// Generate builds an instance; the same seed and size give the same instance.
// perEmployee is the campaign limit (missions per employee).
func Generate(seed uint64, employees, missions, perEmployee int) *Instance {
	r := rand.New(rand.NewPCG(seed, 0x7665_6e64_7265_6469))
	skills := taxonomy.Skills()
	causes := taxonomy.Causes()
	skillPop := zipf(r, len(skills), 1.0)
	causePop := zipf(r, len(causes), 0.8)
	cw := make([]float64, len(cities))
	for i, c := range cities {
		cw[i] = c.weight
	}
	cityPop := newSampler(cw)
	near := func(c city, km float64) matching.GeoPoint {
		// Gaussian jitter around the city centre, km standard deviation.
		dLat := r.NormFloat64() * km / 111.19
		dLon := r.NormFloat64() * km / (111.19 * math.Cos(c.lat*math.Pi/180))
		return matching.GeoPoint{Lat: c.lat + dLat, Lon: c.lon + dLon}
	}
	drawSkills := func(n int) []int {
		var out []int
		for tries := 0; len(out) < n && tries < 10*n; tries++ {
			s := skillPop.draw(r)
			dup := false
			for _, o := range out {
				dup = dup || o == s
			}
			if !dup {
				out = append(out, s)
			}
		}
		return out
	}
	campaignStart := time.Date(2020, 3, 23, 0, 0, 0, 0, time.UTC)
	inst := &Instance{Campaign: matching.Campaign{MaxPerEmployee: perEmployee, Crisis: true, SpreadVolunteers: true}}
	inst.Missions = make([]matching.Mission, missions)
	for i := range inst.Missions {
		m := &inst.Missions[i]
		m.ID = fmt.Sprintf("m%06d", i)
		m.Association = fmt.Sprintf("a%05d", r.IntN(max(1, missions/3)))
		for k, s := range drawSkills(1 + r.IntN(4)) {
			m.Skills = append(m.Skills, matching.SkillNeed{
				Code:     skills[s].Code,
				Level:    matching.Level(1 + r.IntN(3)),
				Required: k == 0 || r.IntN(2) == 0,
			})
		}
		if r.IntN(20) == 0 {
			m.Skills = nil // open to everyone, e.g. food distribution
		}
		m.Cause = causes[causePop.draw(r)].Code
		if r.IntN(3) == 0 {
			m.Format = matching.OnSite
			m.Place = near(cities[cityPop.draw(r)], 8)
		}
		m.HoursPerWeek = float64(1 + r.IntN(8))
		m.Start = campaignStart.AddDate(0, 0, r.IntN(90))
		m.End = m.Start.AddDate(0, 0, 7*(1+r.IntN(12)))
		m.PlacesLeft = 1 + r.IntN(20)
		m.Places = m.PlacesLeft + r.IntN(6)
		m.Vital = r.IntN(50) == 0
	}
	inst.Employees = make([]matching.Employee, employees)
	for i := range inst.Employees {
		e := &inst.Employees[i]
		e.ID = fmt.Sprintf("e%07d", i)
		for _, s := range drawSkills(2 + r.IntN(5)) {
			e.Skills = append(e.Skills, matching.SkillLevel{Code: skills[s].Code, Level: matching.Level(1 + r.IntN(4))})
		}
		for k := r.IntN(4); k > 0; k-- {
			e.Causes = append(e.Causes, causes[causePop.draw(r)].Code)
		}
		switch x := r.IntN(20); {
		case x < 7:
			e.Format = matching.RemoteOnly
		case x < 9:
			e.Format = matching.OnSiteOnly
		}
		e.Home = near(cities[cityPop.draw(r)], 10)
		e.RadiusKm = float64(5 + r.IntN(46))
		e.HoursPerWeek = float64(2 + r.IntN(9))
		if r.IntN(5) == 0 {
			e.AvailableFrom = campaignStart.AddDate(0, 0, r.IntN(60))
			e.AvailableTo = e.AvailableFrom.AddDate(0, 0, 14+r.IntN(60))
		}
	}
	return inst
}
