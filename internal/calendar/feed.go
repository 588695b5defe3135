package calendar

import (
	ics "github.com/arran4/golang-ical"
)

// Feed is a person's subscribed calendar: every event, the cancelled ones
// with STATUS:CANCELLED (a subscription has no METHOD:CANCEL; a calendar
// that refreshes it finds the event cancelled, or gone, and removes it).
// name titles the calendar in the application that subscribes.
func Feed(name string, events []Event) []byte {
	cal := ics.NewCalendarFor("Vendredi")
	cal.SetProductId("-//Vendredi//Missions//FR")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	// Calendars poll a feed; an hour is often enough for a mission moved.
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	for _, e := range events {
		addEvent(cal, e)
	}
	return []byte(cal.Serialize())
}

// FeedContentType is the MIME type of a Feed.
const FeedContentType = "text/calendar; charset=utf-8"
