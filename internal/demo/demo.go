// Package demo describes the demo world that `vendredi seed demo` loads: two
// companies (so that isolation can be seen), their people, a few
// associations and missions, and the four vital missions of spring 2020.
//
// Identifiers are derived from names, so that seeding twice finds the same
// rows and changes nothing.
package demo

import "github.com/google/uuid"

var ns = uuid.MustParse("5b1f3d0e-7c56-4d7e-9a51-0f3c2a9e6b10")

// ID is the stable identifier of a demo object.
func ID(kind, key string) uuid.UUID { return uuid.NewSHA1(ns, []byte(kind+":"+key)) }

// Company is a demo tenant with its people.
type Company struct {
	Slug, Name   string
	EmailDomains []string
	Locale       string
	// Accent and Logo (SVG) brand the company's pages.
	Accent, Logo string
	People       []Person
	// WorkTime: its campaign's hours are on paid working time (mécénat
	// de compétences); HourlyCostCents is its default hourly cost and
	// TurnoverCents this year's turnover, so that the mécénat pages show
	// figures.
	WorkTime        bool
	HourlyCostCents int64
	TurnoverCents   int64
}

// Person is a member of a demo company, with the skills of their profile
// and what they signed up for.
type Person struct {
	Email, FullName, Role, Department, Site string
	Skills                                  []SkillNeed
	Participations                          []Participation
}

// Participation is a demo sign-up, DaysAgo days old, with hours logged.
type Participation struct {
	MissionKey, Status string
	DaysAgo            int
	Hours              []HourLog
}

// HourLog is hours a volunteer logged, approved or waiting.
type HourLog struct {
	DaysAgo int
	Hours   float64
	Status  string
}

// Password signs in every demo person. It is printed by `make run`: the demo
// world is for trying the product, never for production.
const Password = "vendredi-demo"

// Account is a demo platform account: staff, or an association's manager.
type Account struct {
	Email, FullName string
	Staff           bool
	AssociationKey  string // the association they manage, if any
}

// Accounts of the demo world.
var Accounts = []Account{
	{Email: "staff@vendredi.localhost", FullName: "Camille Vendredi", Staff: true},
	{Email: "responsable@entraide-numerique.example", FullName: "Nadia Haddad", AssociationKey: "entraide-numerique"},
	{Email: "responsable@cuisines-partagees.example", FullName: "Paul Leroy", AssociationKey: "cuisines-partagees"},
}

// Association is a demo association.
type Association struct {
	Key, Name, LegalID, Description, City, Status string
}

// Mission is a demo need; AssociationKey is empty for a vital mission
// curated by the platform (Organizer and ExternalURL set instead).
type Mission struct {
	Key, AssociationKey, Organizer, Title, Description, Format, City, VitalCategory, ExternalURL string
	Places, PlacesLeft                                                                           int
	Cause                                                                                        string
	Lat, Lon                                                                                     float64 // on site and hybrid
	Hours                                                                                        float64 // per week
	Skills                                                                                       []SkillNeed
}

// SkillNeed is a skill a mission asks for.
type SkillNeed struct {
	Code     string
	Level    int
	Required bool
}

// ReserveCiviqueURL is where citizens sign up for a vital mission.
const ReserveCiviqueURL = "https://www.jeveuxaider.gouv.fr/"

// Companies of the demo world.
var Companies = []Company{
	{
		Slug: "acme", Name: "Acme", EmailDomains: []string{"acme.example"}, Locale: "fr",
		Accent: "#1a6b4f", Logo: acmeLogo,
		WorkTime: true, HourlyCostCents: 4500, TurnoverCents: 5_000_000_000, // 45 € an hour; 50 M€
		People: []Person{
			{Email: "claire.martin@acme.example", FullName: "Claire Martin", Role: "hr_admin", Department: "Ressources humaines", Site: "Paris"},
			{Email: "karim.benali@acme.example", FullName: "Karim Benali", Role: "employee", Department: "Finance", Site: "Paris"},
			{Email: "julie.moreau@acme.example", FullName: "Julie Moreau", Role: "employee", Department: "Marketing", Site: "Lyon",
				Skills:         []SkillNeed{{"it.digital-inclusion", 2, false}, {"communication.social-media", 3, false}},
				Participations: []Participation{{MissionKey: "ateliers-seniors", Status: "pending", DaysAgo: 2}}},
			{Email: "thomas.petit@acme.example", FullName: "Thomas Petit", Role: "employee", Department: "Informatique", Site: "Lyon",
				Skills:         []SkillNeed{{"it.web-dev", 3, false}, {"design.ux-ui", 2, false}},
				Participations: []Participation{{MissionKey: "site-web", Status: "pending", DaysAgo: 1}}},
			{Email: "sophie.laurent@acme.example", FullName: "Sophie Laurent", Role: "employee", Department: "Juridique", Site: "Paris",
				Skills: []SkillNeed{{"teaching.tutoring", 3, false}, {"law.association-law", 3, false}},
				Participations: []Participation{{MissionKey: "soutien-scolaire", Status: "validated", DaysAgo: 6,
					Hours: []HourLog{{5, 1, "approved"}, {3, 1.5, "approved"}, {1, 1, "pending"}}}}},
			{Email: "nicolas.roux@acme.example", FullName: "Nicolas Roux", Role: "employee", Department: "Logistique", Site: "Marseille",
				Skills: []SkillNeed{{"logistics.food-distribution", 2, false}},
				Participations: []Participation{{MissionKey: "colis", Status: "validated", DaysAgo: 5,
					Hours: []HourLog{{4, 3, "approved"}, {2, 3, "pending"}}}}},
		},
	},
	{
		Slug: "globex", Name: "Globex", EmailDomains: []string{"globex.example"}, Locale: "en",
		Accent: "#6d28d9", Logo: globexLogo,
		People: []Person{
			{Email: "hank.scorpio@globex.example", FullName: "Hank Scorpio", Role: "hr_admin", Department: "People", Site: "Bordeaux"},
			{Email: "amelie.durand@globex.example", FullName: "Amélie Durand", Role: "employee", Department: "Design", Site: "Bordeaux",
				Skills: []SkillNeed{{"it.digital-inclusion", 3, false}, {"teaching.workshop-facilitation", 2, false}},
				Participations: []Participation{{MissionKey: "ateliers-seniors", Status: "validated", DaysAgo: 4,
					Hours: []HourLog{{3, 2, "approved"}, {1, 1.5, "pending"}}}}},
			{Email: "lucas.fontaine@globex.example", FullName: "Lucas Fontaine", Role: "employee", Department: "Engineering", Site: "Nantes",
				Skills:         []SkillNeed{{"teaching.workshop-facilitation", 3, false}, {"it.web-dev", 2, false}},
				Participations: []Participation{{MissionKey: "ateliers-seniors", Status: "pending", DaysAgo: 0}}},
		},
	},
}

// Logos of the demo companies: small SVGs, as a company would upload.
const (
	acmeLogo   = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="14" fill="#1a6b4f"/><path d="M18 48 32 14l14 34h-7l-3-8h-8l-3 8zm12-14h4l-2-6z" fill="#fff"/></svg>`
	globexLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#6d28d9"/><ellipse cx="32" cy="32" rx="12" ry="28" fill="none" stroke="#fff" stroke-width="4"/><path d="M4 32h56" stroke="#fff" stroke-width="4"/></svg>`
)

// Associations of the demo world (fictional; their legal identifiers only
// have the right shape).
var Associations = []Association{
	{"entraide-numerique", "Entraide Numérique 93", "W932000001", "Accompagne les habitants de Seine-Saint-Denis vers l'autonomie numérique.", "Saint-Denis", "verified"},
	{"cuisines-partagees", "Les Cuisines Partagées", "W751234567", "Cuisine et distribue des repas aux personnes à la rue.", "Paris", "verified"},
	{"parrains-de-savoirs", "Parrains de Savoirs", "W691234568", "Soutien scolaire et parrainage de collégiens.", "Lyon", "verified"},
	{"terre-et-avenir", "Terre & Avenir", "W331234569", "Jardins partagés et sensibilisation à l'environnement.", "Bordeaux", "pending_review"},
}

// Missions of the demo world, the four vital ones first.
var Missions = []Mission{
	{Key: "vital-food", Cause: "emergency", Organizer: "Réserve Civique", Title: "Aide alimentaire et d'urgence", VitalCategory: "food_aid", Format: "on_site",
		Description: "Distribuer des produits de première nécessité et des repas aux plus démunis.", ExternalURL: ReserveCiviqueURL},
	{Key: "vital-childcare", Cause: "emergency", Organizer: "Réserve Civique", Title: "Garde exceptionnelle d'enfants", VitalCategory: "childcare", Format: "on_site",
		Description: "Garder des enfants de soignants ou d'une structure de l'Aide Sociale à l'Enfance.", ExternalURL: ReserveCiviqueURL},
	{Key: "vital-isolated", Cause: "solidarity", Organizer: "Réserve Civique", Title: "Lien avec les personnes fragiles isolées", VitalCategory: "isolated_people", Format: "remote",
		Description: "Garder le contact par téléphone, visio ou mail avec des personnes âgées, malades ou isolées.", ExternalURL: ReserveCiviqueURL},
	{Key: "vital-neighbours", Cause: "solidarity", Organizer: "Réserve Civique", Title: "Solidarité de proximité", VitalCategory: "local_solidarity", Format: "on_site",
		Description: "Faire les courses de produits essentiels pour ses voisins les plus fragiles.", ExternalURL: ReserveCiviqueURL},
	{Key: "site-web", AssociationKey: "entraide-numerique", Title: "Refaire le site web de l'association", Format: "remote", Places: 2, PlacesLeft: 2,
		Cause: "solidarity", Hours: 3, Skills: []SkillNeed{{"it.web-dev", 3, true}, {"design.ux-ui", 2, false}},
		Description: "Moderniser notre site (WordPress) pour que les habitants trouvent nos ateliers."},
	{Key: "ateliers-seniors", AssociationKey: "entraide-numerique", Title: "Animer des ateliers numériques pour seniors", Format: "hybrid", City: "Saint-Denis", Places: 6, PlacesLeft: 6,
		Cause: "solidarity", Lat: 48.9362, Lon: 2.3574, Hours: 2, Skills: []SkillNeed{{"it.digital-inclusion", 2, true}, {"teaching.workshop-facilitation", 2, false}},
		Description: "Aider des seniors à utiliser la visio pour garder le lien avec leurs proches."},
	{Key: "bilan-comptable", AssociationKey: "cuisines-partagees", Title: "Préparer le bilan comptable annuel", Format: "remote", Places: 1, PlacesLeft: 1,
		Cause: "solidarity", Hours: 4, Skills: []SkillNeed{{"finance.accounting", 3, true}, {"finance.budgeting", 2, false}},
		Description: "Un ou une comptable pour clôturer nos comptes et préparer l'assemblée générale."},
	{Key: "colis", AssociationKey: "cuisines-partagees", Title: "Préparer les colis alimentaires", Format: "on_site", City: "Paris", Places: 10, PlacesLeft: 10,
		Cause: "emergency", Lat: 48.8566, Lon: 2.3522, Hours: 3, Skills: []SkillNeed{{"logistics.food-distribution", 1, true}},
		Description: "Trier les dons et préparer les colis du mardi et du jeudi."},
	{Key: "soutien-scolaire", AssociationKey: "parrains-de-savoirs", Title: "Soutien scolaire en visio", Format: "remote", Places: 15, PlacesLeft: 15,
		Cause: "education", Hours: 1, Skills: []SkillNeed{{"teaching.tutoring", 2, true}, {"teaching.mentoring", 2, false}},
		Description: "Une heure par semaine avec un collégien en mathématiques ou en français."},
	{Key: "statuts", AssociationKey: "parrains-de-savoirs", Title: "Relire nos statuts avec un juriste", Format: "remote", Places: 1, PlacesLeft: 1,
		Cause: "education", Hours: 2, Skills: []SkillNeed{{"law.association-law", 3, true}},
		Description: "Mettre à jour les statuts de l'association avant l'assemblée générale."},
	{Key: "plan-com", AssociationKey: "terre-et-avenir", Title: "Construire notre plan de communication", Format: "remote", Places: 2, PlacesLeft: 2,
		Cause: "environment", Hours: 2, Skills: []SkillNeed{{"communication.social-media", 2, true}, {"communication.writing", 2, false}},
		Description: "Structurer notre communication sur les réseaux sociaux."},
}
