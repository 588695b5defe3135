package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The chat posts, in the company's language (French unless "en").

func english(locale string) bool { return strings.HasPrefix(strings.ToLower(locale), "en") }

func date(t time.Time, locale string) string {
	if english(locale) {
		return t.Format("2 January 2006")
	}
	months := [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}

// LaunchPost tells the channel a campaign was launched.
func LaunchPost(locale, name string, starts, ends time.Time, link string) ChatMessage {
	if english(locale) {
		return ChatMessage{Title: "Campaign launched: " + name,
			Lines: []string{"From " + date(starts, locale) + " to " + date(ends, locale) + ". Pick a mission and sign up!"}, Link: link}
	}
	return ChatMessage{Title: "Campagne lancée : " + name,
		Lines: []string{"Du " + date(starts, locale) + " au " + date(ends, locale) + ". Choisissez une mission et inscrivez-vous !"}, Link: link}
}

// EndingPost tells the channel a campaign ends in three days.
func EndingPost(locale, name string, ends time.Time, link string) ChatMessage {
	if english(locale) {
		return ChatMessage{Title: "Three days left: " + name,
			Lines: []string{"The campaign ends on " + date(ends, locale) + ". There is still time to sign up."}, Link: link}
	}
	return ChatMessage{Title: "Plus que trois jours : " + name,
		Lines: []string{"La campagne se termine le " + date(ends, locale) + ". Il est encore temps de s’inscrire."}, Link: link}
}

// WeekPost is the company's week, as figures.
func WeekPost(locale, company string, week time.Time, f *HRFigures, link string) ChatMessage {
	hours := strconv.FormatFloat(f.Hours, 'f', -1, 64)
	if english(locale) {
		m := ChatMessage{Title: "The week of " + date(week, locale) + " at " + company, Link: link,
			Lines: []string{fmt.Sprintf("%d sign-ups to missions, %d validated", f.SignUps, f.Validated), hours + " hours of volunteering logged"}}
		for _, c := range f.Ending {
			m.Lines = append(m.Lines, "\""+c.Name+"\" ends on "+date(c.EndsOn, locale))
		}
		return m
	}
	m := ChatMessage{Title: "La semaine du " + date(week, locale) + " chez " + company, Link: link,
		Lines: []string{fmt.Sprintf("%d inscriptions à des missions, dont %d validées", f.SignUps, f.Validated),
			strings.ReplaceAll(hours, ".", ",") + " heures de bénévolat déclarées"}}
	for _, c := range f.Ending {
		m.Lines = append(m.Lines, "« "+c.Name+" » se termine le "+date(c.EndsOn, locale))
	}
	return m
}

// EndsInThreeDays reports whether a campaign ending on endsOn (a date)
// ends three days after now's day, in Paris.
func EndsInThreeDays(endsOn, now time.Time) bool {
	y, m, d := now.In(paris).AddDate(0, 0, 3).Date()
	ey, em, ed := endsOn.Date()
	return y == ey && m == em && d == ed
}
