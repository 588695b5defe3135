package mail

import (
	"fmt"
	"time"
	_ "time/tzdata" // the reminders' times are said in Paris time, whatever the server's zone files
)

// TemplateReminder reminds a volunteer of a mission soon (Reminder).
const TemplateReminder = "reminder"

// TemplateAttendance asks an association's managers whether a volunteer
// came (AttendanceQuestion).
const TemplateAttendance = "attendance"

// Reminder: a validated volunteer's mission starts in two days (or in two
// hours, Soon).
type Reminder struct {
	Mission string
	When    string // "mardi 3 novembre à 14 h 00", from When()
	Soon    bool   // two hours before, not two days
	// Where the mission happens: the address, or a link for a remote one,
	// or neither ("remote": the association sends the link).
	Address string
	Remote  bool
	Online  string // a remote mission's link, if it has one
	Link    string // the volunteer's participations, where they cancel
	// Unsubscribe turns reminders off with one click (optional).
	Unsubscribe string
}

func (d Reminder) check() error {
	err := firstErr(required("Mission", d.Mission), required("When", d.When), checkLink(d.Link))
	if err == nil && d.Online != "" {
		err = checkLink(d.Online)
	}
	return err
}

// AttendanceQuestion: a mission's date has passed; the association says
// whether the volunteer came.
type AttendanceQuestion struct {
	Mission   string
	Volunteer string
	Company   string
	When      string
	Link      string // the association's applicants, where it answers
}

func (d AttendanceQuestion) check() error {
	return firstErr(required("Mission", d.Mission), required("Volunteer", d.Volunteer), required("When", d.When), checkLink(d.Link))
}

var paris = mustLocation("Europe/Paris")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// When says a moment in Paris time in locale: "mardi 3 novembre à 14 h 00",
// "Tuesday 3 November at 14:00".
func When(t time.Time, locale string) string {
	t = t.In(paris)
	if Locale(locale) == "en" {
		return fmt.Sprintf("%s %d %s at %02d:%02d", t.Weekday(), t.Day(), t.Month(), t.Hour(), t.Minute())
	}
	days := [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	months := [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	return fmt.Sprintf("%s %d%s%s à %d%sh%s%02d", days[t.Weekday()], t.Day(), nbsp, months[t.Month()-1], t.Hour(), nbsp, nbsp, t.Minute())
}
