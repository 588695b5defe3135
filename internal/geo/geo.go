// Package geo places a French city on the map, from a small gazetteer
// embedded in the binary: a hundred large cities and prefectures. It is enough to tell how far a mission is from an
// employee's home without calling an outside geocoding service; a city it
// does not know is said so, and a place can still be given by coordinates.
package geo

import (
	_ "embed"
	"encoding/csv"
	"strconv"
	"strings"
	"sync"

	"github.com/vendredi-app/vendredi/internal/fold"
)

//go:embed cities.csv
var citiesCSV string

// City is a known city and where it is.
type City struct {
	Name       string
	Department string
	Lat, Lon   float64
}

var (
	once   sync.Once
	cities []City
	byKey  map[string]int
)

func load() {
	rows, err := csv.NewReader(strings.NewReader(citiesCSV)).ReadAll()
	if err != nil {
		panic("geo: cities.csv: " + err.Error()) // embedded: a test reads it
	}
	byKey = map[string]int{}
	for _, r := range rows[1:] {
		lat, err1 := strconv.ParseFloat(r[2], 64)
		lon, err2 := strconv.ParseFloat(r[3], 64)
		if err1 != nil || err2 != nil {
			panic("geo: cities.csv: bad coordinates for " + r[0])
		}
		byKey[Key(r[0])] = len(cities)
		cities = append(cities, City{Name: r[0], Department: r[1], Lat: lat, Lon: lon})
	}
}

// Key folds how people write a city: case, accents, hyphens, "St" for
// "Saint", a trailing department or postal code in brackets.
func Key(name string) string {
	name, _, _ = strings.Cut(name, "(")
	s := strings.Map(func(r rune) rune {
		if r == '-' || r == '\'' || r == '’' || r == '.' {
			return ' '
		}
		return r
	}, fold.String(name))
	words := strings.Fields(s)
	for i, w := range words {
		switch w {
		case "st":
			words[i] = "saint"
		case "ste":
			words[i] = "sainte"
		}
	}
	return strings.Join(words, " ")
}

// Lookup finds a city by name, however it is written.
func Lookup(name string) (City, bool) {
	once.Do(load)
	i, ok := byKey[Key(name)]
	if !ok {
		return City{}, false
	}
	return cities[i], true
}

// Cities lists the known cities, for a form's suggestions.
func Cities() []City {
	once.Do(load)
	return cities
}
