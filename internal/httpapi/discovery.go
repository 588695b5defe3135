package httpapi

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/vendredi-app/vendredi/internal/catalog"
	"github.com/vendredi-app/vendredi/internal/errs"
	"github.com/vendredi-app/vendredi/internal/identity"
	"github.com/vendredi-app/vendredi/tenants"
)

// Discovery is what the discovery routes use: the search of missions (and
// reading one as a search shows it), and the import of missions.
type Discovery struct {
	Missions interface {
		catalog.Searcher
		catalog.MissionReader
	}
	Import catalog.Importer
}

// discoveryRoutes serves the search of missions and their import. A
// company's people see the missions shown to every company or listed for
// theirs; staff, on the platform's host, every open mission (docs/search.md).
func (s *Server) discoveryRoutes(_, api fiber.Router) {
	enf := s.deps.Authz
	api.Get("/missions", enf.Route("missions", "read"), s.searchMissions)
	// A UUID only: other /missions/… routes stay free for other work.
	api.Get("/missions/:id<guid>", enf.Route("missions", "read"), s.visibleMission)
	api.Post("/platform/missions/import", enf.Route("missions", "import"), s.importMissions)
}

func (s *Server) searchMissions(c *fiber.Ctx) error {
	q, err := searchQuery(c)
	if err != nil {
		return err
	}
	page, err := s.deps.Discovery.Missions.Search(c.UserContext(), q)
	if err != nil {
		return err
	}
	return sendJSON(c, page)
}

func (s *Server) visibleMission(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	_, inCompany := tenants.FromContext(c.UserContext())
	m, err := s.deps.Discovery.Missions.Mission(c.UserContext(), id, !inCompany)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// searchQuery reads the query parameters of a search; a bad value is a 400
// naming its parameter (catalog.Field* names them alike).
func searchQuery(c *fiber.Ctx) (catalog.Query, error) {
	_, inCompany := tenants.FromContext(c.UserContext())
	q := catalog.Query{
		Text:     c.Query(catalog.FieldText),
		Skills:   list(c.Query(catalog.FieldSkills)),
		Causes:   list(c.Query(catalog.FieldCauses)),
		Formats:  list(c.Query(catalog.FieldFormats)),
		Sort:     c.Query(catalog.FieldSort),
		After:    c.Query(catalog.FieldAfter),
		Platform: !inCompany, // only staff read missions on the platform's host
	}
	var err error
	var lat, lon *float64
	if lat, err = floatParam(c, catalog.FieldLat); err != nil {
		return q, err
	}
	if lon, err = floatParam(c, catalog.FieldLon); err != nil {
		return q, err
	}
	switch {
	case lat != nil && lon != nil:
		q.Near = &catalog.Point{Lat: *lat, Lon: *lon}
	case lat != nil:
		return q, errs.Field(catalog.FieldLon, "lat and lon go together: lon is missing")
	case lon != nil:
		return q, errs.Field(catalog.FieldLat, "lat and lon go together: lat is missing")
	}
	if r, err := floatParam(c, catalog.FieldRadius); err != nil {
		return q, err
	} else if r != nil {
		q.RadiusKM = *r
	}
	if q.From, err = dateParam(c, catalog.FieldFrom); err != nil {
		return q, err
	}
	if q.To, err = dateParam(c, catalog.FieldTo); err != nil {
		return q, err
	}
	if q.MinPlacesLeft, err = intParam(c, catalog.FieldMinPlaces); err != nil {
		return q, err
	}
	if q.Limit, err = intParam(c, catalog.FieldLimit); err != nil {
		return q, err
	}
	if v := c.Query(catalog.FieldAssociation); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return q, errs.Field(catalog.FieldAssociation, "association must be an association's id (a UUID)")
		}
		q.AssociationID = &id
	}
	// The catalogue's own checks (known skills, ranges, sorts) name the
	// parameter too.
	return q, q.Normalize()
}

func list(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func floatParam(c *fiber.Ctx, name string) (*float64, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errs.Field(name, "%s must be a number", name)
	}
	return &f, nil
}

func intParam(c *fiber.Ctx, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errs.Field(name, "%s must be a whole number, 1 or more", name)
	}
	return n, nil
}

func dateParam(c *fiber.Ctx, name string) (*time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, errs.Field(name, "%s must be a date such as 2020-04-01", name)
	}
	return &t, nil
}

// importMissions imports a file of missions (docs/search.md): the JSON as
// the body, or the form field "file". The answer is the report, mission by
// mission. The body is limited by the server's body limit; the file is
// decoded one mission at a time.
func (s *Server) importMissions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var file io.ReadSeeker
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return errs.Wrap(err, errs.Invalid, "the uploaded file cannot be read")
		}
		defer f.Close()
		file = f
	} else if body := c.Body(); len(body) > 0 {
		file = bytes.NewReader(body)
	} else {
		return errs.Field(catalog.FieldFile, "send the missions as a JSON body, or as the form field \"file\"")
	}
	source := c.Query("source")
	rep, err := s.deps.Discovery.Import.Import(ctx, source, file)
	if err != nil {
		return err
	}
	pr := principal(c)
	if err := s.deps.Offboard.RecordPlatform(ctx, identity.Event{ActorKind: pr.Kind, ActorID: &pr.ID, ActorLabel: pr.Label(),
		Action: "missions_imported", Object: "source:" + source, IP: client(c).IP, Detail: map[string]string{
			"created": strconv.Itoa(rep.Created), "updated": strconv.Itoa(rep.Updated), "rejected": strconv.Itoa(rep.Rejected)}}); err != nil {
		return err
	}
	return c.JSON(rep)
}
