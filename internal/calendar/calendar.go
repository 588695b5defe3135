// Package calendar writes iCalendar (RFC 5545) files: the events of
// volunteers' missions, for their calendars. Each event keeps one UID for
// life and a SEQUENCE raised on every change, so that a calendar replaces
// its copy instead of adding a second; a cancelled one is sent with
// METHOD:CANCEL.
package calendar

import (
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/vendredi-app/vendredi/internal/campaign"
)

// Event is one mission date of a volunteer.
type Event struct {
	UID         string // stable: "participation-<id>@<domain>"
	Sequence    int
	Summary     string
	Description string
	Location    string
	URL         string
	Start, End  time.Time
	Cancelled   bool
	Stamp       time.Time // when this version was written
}

// Single is the file of one event: METHOD:CANCEL when it is cancelled,
// PUBLISH otherwise (an event to add, not a meeting to answer).
func Single(e Event) []byte {
	method := ics.MethodPublish
	if e.Cancelled {
		method = ics.MethodCancel
	}
	return write(method, []Event{e})
}

func write(method ics.Method, events []Event) []byte {
	cal := ics.NewCalendarFor("Vendredi")
	cal.SetProductId("-//Vendredi//Missions//FR")
	cal.SetMethod(method)
	for _, e := range events {
		addEvent(cal, e)
	}
	return []byte(cal.Serialize())
}

// ContentType is the MIME type of a Single file of e.
func ContentType(e Event) string {
	if e.Cancelled {
		return "text/calendar; method=CANCEL; charset=utf-8"
	}
	return "text/calendar; method=PUBLISH; charset=utf-8"
}

// Participation is the event of a participation with a date (false
// without one): its UID is the participation's under host, its link the
// volunteer's participations, where they cancel.
func Participation(p *campaign.Participation, host, link, location string) (Event, bool) {
	if p.StartsAt == nil || p.EndsAt == nil {
		return Event{}, false
	}
	return Event{UID: "participation-" + p.ID.String() + "@" + host, Sequence: p.CalendarSequence,
		Summary: p.MissionTitle, Description: p.Association + "\n" + link, URL: link, Location: location,
		Start: *p.StartsAt, End: *p.EndsAt, Stamp: time.Now(),
		Cancelled: p.Status == campaign.Cancelled || p.Status == campaign.Refused}, true
}

// addEvent writes e into cal, with the fields every calendar needs.
func addEvent(cal *ics.Calendar, e Event) {
	ev := cal.AddEvent(e.UID)
	ev.SetSequence(e.Sequence)
	ev.SetDtStampTime(e.Stamp.UTC())
	ev.SetStartAt(e.Start.UTC())
	ev.SetEndAt(e.End.UTC())
	ev.SetSummary(e.Summary)
	if e.Description != "" {
		ev.SetDescription(e.Description)
	}
	if e.Location != "" {
		ev.SetLocation(e.Location)
	}
	if e.URL != "" {
		ev.SetURL(e.URL)
	}
	status := ics.ObjectStatusConfirmed
	if e.Cancelled {
		status = ics.ObjectStatusCancelled
	}
	ev.SetStatus(status)
}
