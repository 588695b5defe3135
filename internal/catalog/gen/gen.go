// Package gen generates a realistic, reproducible catalogue for load tests
// and the search benchmark: associations (most verified) and their missions
// in French, spread over France, with skills from the taxonomy.
//
// The missions' shape comes from the matching engine's generator
// (internal/matching/synth), so that searches and matching are measured on
// the same kind of data: skills drawn with Zipf-like popularity, causes,
// 1 to 20 places left, a third of the missions on site around the big
// cities in proportion to their population, dates in spring 2020. This
// package adds what a catalogue needs besides: titles and
// descriptions, cities and postal codes, creation dates, statuses, vital
// categories (0.2 % of the missions), and a few missions listed for one
// company.
package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/matching"
	"github.com/vendredi-app/vendredi/internal/matching/synth"
	"github.com/vendredi-app/vendredi/internal/taxonomy"
)

// Options choose what Generate makes.
type Options struct {
	Seed     uint64
	Missions int
	// Companies may see the missions listed for them (about 1 %, each for
	// one of these); none are listed when empty.
	Companies []uuid.UUID
	// Now ends the 180 days over which the missions were created; zero
	// means 11 May 2020, so that the data does not depend on the clock.
	Now time.Time
}

// World is a generated catalogue.
type World struct {
	Associations []catalog.Association
	Missions     []catalog.Mission
}

// namespace makes the ids of generated rows: the same seed and index give
// the same id, so that loading a world twice adds nothing.
var namespace = uuid.MustParse("6a1c3f2e-5d0b-4f0e-9b7a-7665ee647265")

// Generate builds a world; the same options give the same world.
func Generate(o Options) *World {
	inst := synth.Generate(o.Seed, 0, o.Missions, 1)
	r := rand.New(rand.NewPCG(o.Seed, 0x6361_7461_6c6f_6775))
	now := o.Now
	if now.IsZero() {
		now = time.Date(2020, 5, 11, 8, 0, 0, 0, time.UTC)
	}
	w := &World{}

	// Associations: synth names them a00000…; a tenth is still under review.
	nAssoc := max(1, o.Missions/3)
	legalIDs := map[string]bool{}
	for range nAssoc {
		var legal string
		for legal == "" || legalIDs[legal] {
			legal = fmt.Sprintf("W%09d", r.IntN(1_000_000_000))
		}
		legalIDs[legal] = true
		c := cities[r.IntN(len(cities))]
		status := catalog.AssociationVerified
		if r.IntN(10) == 0 {
			status = catalog.AssociationPendingReview
		}
		w.Associations = append(w.Associations, catalog.Association{
			// From the legal id: a world of another seed that drew the
			// same number points at the same association.
			ID:          uuid.NewSHA1(namespace, []byte("association/"+legal)),
			Name:        associationName(r, c.name),
			LegalID:     legal,
			Description: "Association loi 1901 active à " + c.name + ".",
			Causes:      []string{},
			City:        c.name,
			PostalCode:  c.postal,
			Status:      status,
			CreatedAt:   now.AddDate(-1-r.IntN(5), 0, -r.IntN(365)),
		})
	}

	skillLabel := map[string]taxonomy.Skill{}
	for _, s := range taxonomy.Skills() {
		skillLabel[s.Code] = s
	}
	for i, sm := range inst.Missions {
		var k int
		if _, err := fmt.Sscanf(sm.Association, "a%d", &k); err != nil || k >= nAssoc {
			k = i % nAssoc
		}
		a := &w.Associations[k]
		if len(a.Causes) == 0 {
			a.Causes = []string{sm.Cause}
		}
		assocID := a.ID
		m := catalog.Mission{
			ID:              uuid.NewSHA1(namespace, fmt.Appendf(nil, "mission/%d/%d", o.Seed, i)),
			AssociationID:   &assocID,
			Cause:           sm.Cause,
			Format:          catalog.Remote,
			City:            a.City,
			CommitmentKind:  "per_week",
			CommitmentHours: sm.HoursPerWeek,
			Places:          sm.Places,
			PlacesLeft:      sm.PlacesLeft,
			Status:          catalog.MissionOpen,
			Visibility:      "all",
			CreatedAt:       now.Add(-time.Duration(r.Int64N(int64(180 * 24 * time.Hour)))).Truncate(time.Microsecond),
		}
		m.UpdatedAt = m.CreatedAt
		if sm.Format == matching.OnSite {
			m.Format = catalog.OnSite
			if r.IntN(4) == 0 {
				m.Format = catalog.Hybrid
			}
			lat, lon := sm.Place.Lat, sm.Place.Lon
			m.Lat, m.Lon = &lat, &lon
			c := nearest(lat, lon)
			m.City, m.PostalCode = c.name, c.postal
			m.Address = fmt.Sprintf("%d %s", 1+r.IntN(120), streets[r.IntN(len(streets))])
		}
		m.RequiresSanitaryAck = m.NeedsSanitaryAck()
		for _, s := range sm.Skills {
			m.Skills = append(m.Skills, catalog.SkillNeed{Skill: s.Code, Level: int(max(1, s.Level)), Required: s.Required})
		}
		switch x := r.IntN(10); {
		case x < 2: // ongoing, no dates
		case x < 3:
			m.DateKind = "one_off"
			d := day(sm.Start)
			m.StartsOn = &d
		default:
			m.DateKind = "recurring"
			s, e := day(sm.Start), day(sm.End)
			m.StartsOn, m.EndsOn = &s, &e
			m.Recurrence = recurrences[r.IntN(len(recurrences))]
		}
		if m.DateKind == "" {
			m.DateKind = "ongoing"
		}
		switch x := r.IntN(100); {
		case x < 3:
			m.Status, m.PlacesLeft = catalog.MissionFull, 0
		case x < 6:
			m.Status = catalog.MissionClosed
		}
		if len(o.Companies) > 0 && r.IntN(100) == 0 {
			m.Visibility = "listed"
			m.VisibleTo = []uuid.UUID{o.Companies[r.IntN(len(o.Companies))]}
		}
		var first *taxonomy.Skill
		if len(m.Skills) > 0 {
			s := skillLabel[m.Skills[0].Skill]
			first = &s
		}
		// synth flags 2 % of its missions vital; a catalogue has fewer:
		// the four national ones and a few associations' (0.2 %).
		if sm.Vital && r.IntN(10) == 0 {
			v := vitals[r.IntN(len(vitals))]
			m.VitalCategory = v.code
			m.Title = v.title + " à " + m.City
			m.Description = v.text + " " + pick(r, causeText[m.Cause]) + " " + commitmentText(r, &m)
		} else {
			m.Title = title(r, first, m.Cause)
			m.Description = description(r, first, &m)
		}
		w.Missions = append(w.Missions, m)
	}
	return w
}

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	// Keep acronyms and proper names (RGPD, Anglais is a language: lower).
	if len(rs) > 1 && strings.ToUpper(string(rs[:2])) == string(rs[:2]) {
		return s
	}
	return strings.ToLower(string(rs[:1])) + string(rs[1:])
}

func title(r *rand.Rand, s *taxonomy.Skill, cause string) string {
	if s == nil {
		return pick(r, openTitles) + " " + pick(r, causeFor[cause])
	}
	return fmt.Sprintf(pick(r, titleForms), s.LabelFR, lowerFirst(s.LabelFR), pick(r, causeFor[cause]))
}

func description(r *rand.Rand, s *taxonomy.Skill, m *catalog.Mission) string {
	var b strings.Builder
	b.WriteString(pick(r, causeText[m.Cause]))
	b.WriteString(" ")
	if s != nil {
		fmt.Fprintf(&b, pick(r, skillText), lowerFirst(s.LabelFR))
		b.WriteString(" ")
	} else {
		b.WriteString("Aucune compétence particulière n'est demandée : l'envie d'aider suffit. ")
	}
	b.WriteString(commitmentText(r, m))
	if r.IntN(2) == 0 {
		b.WriteString(" " + pick(r, extras))
	}
	return b.String()
}

func commitmentText(r *rand.Rand, m *catalog.Mission) string {
	where := "à distance, depuis chez vous"
	switch m.Format {
	case catalog.OnSite:
		where = "sur place, à " + m.City
	case catalog.Hybrid:
		where = "en partie à distance, en partie à " + m.City
	}
	hours := fmt.Sprintf("%d heures", int(math.Round(m.CommitmentHours)))
	if hours == "1 heures" {
		hours = "1 heure"
	}
	return fmt.Sprintf("Engagement de %s par semaine, %s. %s", hours, where, pick(r, welcomes))
}

func associationName(r *rand.Rand, city string) string {
	return fmt.Sprintf("%s %s %s", pick(r, assocPrefixes), pick(r, assocNouns), city)
}

type city struct {
	name, postal string
	lat, lon     float64
}

// nearest names a generated place by its closest big city.
func nearest(lat, lon float64) city {
	best, bestD := cities[0], math.Inf(1)
	for _, c := range cities {
		dLat, dLon := c.lat-lat, (c.lon-lon)*math.Cos(lat*math.Pi/180)
		if d := dLat*dLat + dLon*dLon; d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// The big cities synth spreads places around, with a postal code each.
var cities = []city{
	{"Paris", "75011", 48.8566, 2.3522}, {"Lyon", "69003", 45.7640, 4.8357}, {"Marseille", "13001", 43.2965, 5.3698},
	{"Toulouse", "31000", 43.6047, 1.4442}, {"Bordeaux", "33000", 44.8378, -0.5792}, {"Lille", "59000", 50.6292, 3.0573},
	{"Nice", "06000", 43.7102, 7.2620}, {"Nantes", "44000", 47.2184, -1.5536}, {"Strasbourg", "67000", 48.5734, 7.7521},
	{"Montpellier", "34000", 43.6108, 3.8767}, {"Rennes", "35000", 48.1173, -1.6778}, {"Grenoble", "38000", 45.1885, 5.7245},
	{"Rouen", "76000", 49.4432, 1.0999}, {"Toulon", "83000", 43.1242, 5.9280}, {"Clermont-Ferrand", "63000", 45.7772, 3.0870},
	{"Tours", "37000", 47.3941, 0.6848}, {"Nancy", "54000", 48.6921, 6.1844}, {"Orléans", "45000", 47.9029, 1.9093},
	{"Caen", "14000", 49.1829, -0.3707}, {"Metz", "57000", 49.1193, 6.1757}, {"Dijon", "21000", 47.3220, 5.0415},
	{"Angers", "49000", 47.4784, -0.5632}, {"Reims", "51100", 49.2583, 4.0317}, {"Le Mans", "72000", 48.0061, 0.1996},
	{"Brest", "29200", 48.3904, -4.4861}, {"Perpignan", "66000", 42.6887, 2.8948}, {"Limoges", "87000", 45.8336, 1.2611},
	{"Amiens", "80000", 49.8940, 2.2958}, {"Besançon", "25000", 47.2380, 6.0244}, {"Poitiers", "86000", 46.5802, 0.3404},
	{"Pau", "64000", 43.2951, -0.3708}, {"Ajaccio", "20000", 41.9192, 8.7386},
}

var streets = []string{"rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Pasteur",
	"place de la Mairie", "rue des Écoles", "rue du Général de Gaulle", "chemin des Vignes", "rue de la Gare", "quai des Belges"}

var recurrences = []string{"chaque semaine", "le mardi soir", "le samedi matin", "deux fois par mois", "en semaine, à la demande"}

var vitals = []struct{ code, title, text string }{
	{"food_aid", "Aide alimentaire et d'urgence", "Distribuer des produits de première nécessité (aliments, hygiène) et des repas aux plus démunis, dans la rue ou en structure."},
	{"childcare", "Garde exceptionnelle d'enfants", "Garder les enfants de soignants ou d'une structure de l'Aide Sociale à l'Enfance."},
	{"isolated_people", "Lien avec les personnes fragiles isolées", "Garder le contact par téléphone, visio ou mail avec des personnes âgées, malades, handicapées ou isolées."},
	{"local_solidarity", "Solidarité de proximité", "Faire les courses de produits essentiels pour les voisins les plus fragiles."},
}

var titleForms = []string{
	"%[1]s : besoin d'un coup de main %[3]s",
	"Bénévole en %[2]s %[3]s",
	"Mission de %[2]s %[3]s",
	"Renfort en %[2]s %[3]s",
	"%[1]s : mission bénévole %[3]s",
	"Accompagner notre équipe en %[2]s",
}

var openTitles = []string{"Bénévoles recherchés", "Coup de main ponctuel", "Rejoignez nos bénévoles", "Appel à volontaires"}

var causeFor = map[string][]string{
	"solidarity":    {"pour l'aide aux plus démunis", "contre l'exclusion", "pour l'insertion", "auprès des familles en difficulté"},
	"health":        {"pour la santé", "auprès des malades", "à l'hôpital", "pour la prévention santé"},
	"education":     {"pour l'éducation", "auprès des élèves", "pour la réussite scolaire", "auprès des jeunes"},
	"environment":   {"pour l'environnement", "pour la transition écologique", "pour la biodiversité", "pour le climat"},
	"culture":       {"pour la culture", "pour un festival", "auprès des artistes", "pour les musées"},
	"sport":         {"pour le sport pour tous", "dans un club sportif", "pour le handisport"},
	"citizenship":   {"pour la citoyenneté", "pour le vivre ensemble", "dans les quartiers"},
	"emergency":     {"face à la crise sanitaire", "pour l'urgence sociale", "pendant le confinement"},
	"international": {"pour la solidarité internationale", "auprès des réfugiés", "pour l'aide humanitaire"},
	"memory":        {"pour le patrimoine", "pour la mémoire", "pour les archives"},
}

var causeText = map[string][]string{
	"solidarity": {"Notre association accompagne des familles en situation de précarité et des personnes sans abri.",
		"Nous distribuons des repas et des colis alimentaires aux personnes les plus démunies.",
		"Nous aidons des personnes éloignées de l'emploi à retrouver un travail."},
	"health": {"Nous soutenons les malades et leurs proches pendant et après l'hospitalisation.",
		"Notre association mène des actions de prévention santé dans les quartiers."},
	"education": {"Nous proposons du soutien scolaire gratuit à des collégiens et des lycéens.",
		"Notre association lutte contre le décrochage scolaire et l'illettrisme."},
	"environment": {"Nous entretenons des jardins partagés et sensibilisons les habitants à l'écologie.",
		"Notre association protège la biodiversité et organise des ramassages de déchets."},
	"culture": {"Nous organisons des ateliers artistiques et des concerts ouverts à tous.",
		"Notre association fait découvrir le théâtre et la lecture aux enfants."},
	"sport": {"Notre club rend le sport accessible aux personnes en situation de handicap.",
		"Nous organisons des activités sportives pour les jeunes des quartiers."},
	"citizenship": {"Nous créons du lien entre les habitants et favorisons l'engagement citoyen.",
		"Notre association accueille les nouveaux arrivants et anime la vie de quartier."},
	"emergency": {"Face à la crise sanitaire, nous renforçons nos actions d'urgence auprès des plus fragiles.",
		"Pendant le confinement, nos bénévoles maintiennent les distributions et les maraudes."},
	"international": {"Nous accompagnons des réfugiés dans leurs démarches et l'apprentissage du français.",
		"Notre association soutient des projets de développement en Afrique de l'Ouest."},
	"memory": {"Nous valorisons le patrimoine local et les archives de la commune.",
		"Notre association recueille les témoignages des anciens combattants."},
}

var skillText = []string{
	"Nous cherchons un ou une bénévole en %s pour renforcer notre équipe.",
	"Vos compétences en %s nous aideront à mieux accompagner nos bénéficiaires.",
	"La mission demande des compétences en %s ; nos salariés vous accompagnent.",
	"Vous mettrez votre savoir-faire en %s au service de nos projets.",
}

var welcomes = []string{"Les bénévoles sont formés et accompagnés.", "Ouvert aux salariés en mécénat de compétences.",
	"Aucun diplôme n'est demandé.", "Le bénévolat peut se faire sur le temps de travail."}

var extras = []string{"Tous confinés, tous engagés !", "Mission adaptée au télétravail.",
	"Nous répondons à toutes les candidatures sous 48 heures.", "Les gestes barrières sont respectés."}

var assocPrefixes = []string{"Les Amis de", "Solidarité", "Entraide", "Association", "Collectif", "Maison de"}

var assocNouns = []string{"l'Espoir", "la Jeunesse", "Quartiers", "Partage", "Horizons", "Avenir", "Liens", "Ensemble"}
