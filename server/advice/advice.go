package advice

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/staffing"
)

// AvailableByTeam returns each team's count of teammates available for
// phone in a live dashboard (rule MT9): the map [Tracker.Advice] takes.
func AvailableByTeam(d metrics.Dashboard) map[pb.TeamID]int {
	out := make(map[pb.TeamID]int, len(d.Teams))
	for id, t := range d.Teams {
		out[id] = t.AvailableForPhone
	}
	return out
}

// TeamAdvice is one team's staffing advice at one instant.
type TeamAdvice struct {
	Team            pb.TeamID     `json:"team"`
	ArrivalsPerHour float64       `json:"arrivals_per_hour"`
	MeanHandle      time.Duration `json:"mean_handle"`
	Available       int           `json:"available"` // as passed in
	Needed          int           `json:"needed"`    // staffing.AgentsFor(...)
	Target          Target        `json:"target"`
	Text            string        `json:"text"` // "3 teammates available; 5 needed for 80 % within 20 s"
}

// Advice returns the advice for every team seen by Observe (in a queued
// or answered call or a membership event) or named in available, sorted
// by team ID: Advise of the Tracker's own window at now. now should be at
// or after the last event observed; events after it are not counted. It
// reads no clock and changes nothing; safe for concurrent use.
func (t *Tracker) Advice(now time.Time, available map[pb.TeamID]int) []TeamAdvice {
	t.mu.Lock()
	loads := t.fold.Loads(now)
	t.mu.Unlock()
	return t.Advise(loads, available)
}

// Advise returns the advice for every team of loads (a
// metrics.Collector's Staffing, or a StaffingWindow's Loads) or named in
// available, sorted by team ID. available gives each team's teammates
// available for phone now; a team it does not name has 0.
//
// Needed is staffing.AgentsFor for the team's arrival rate and mean
// handle time: 0 for a team without arrivals in the window, and 0 as
// well, with a Text that says so, for a team with arrivals but no
// finished call to take a handle time from. It reads no clock and changes
// nothing; safe for concurrent use.
func (t *Tracker) Advise(loads []metrics.TeamLoad, available map[pb.TeamID]int) []TeamAdvice {
	byTeam := make(map[pb.TeamID]metrics.TeamLoad, len(loads))
	ids := make([]pb.TeamID, 0, len(loads)+len(available))
	for _, l := range loads {
		byTeam[l.Team] = l
		ids = append(ids, l.Team)
	}
	for id := range available {
		if _, ok := byTeam[id]; !ok && id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)

	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]TeamAdvice, 0, len(ids))
	for _, id := range ids {
		target, ok := t.targets[id]
		if !ok {
			target = t.def
		}
		ad := TeamAdvice{Team: id, Available: available[id], Target: target}
		sized := true
		if l, ok := byTeam[id]; ok {
			ad.ArrivalsPerHour = l.ArrivalsPerHour()
			ad.MeanHandle, sized = l.MeanHandle()
			sized = sized || l.Arrivals == 0
		}
		ad.Needed = staffing.AgentsFor(ad.ArrivalsPerHour, ad.MeanHandle, target.Within, target.Fraction)
		ad.Text = text(ad, sized)
		out = append(out, ad)
	}
	return out
}

// text words the advice: "3 teammates available; 5 needed for 80 % within 20 s".
func text(ad TeamAdvice, sized bool) string {
	have := plural(ad.Available, "teammate") + " available"
	goal := percent(ad.Target.Fraction) + " % within " + seconds(ad.Target.Within)
	switch {
	case !sized:
		return have + "; no finished call yet to size the team for " + goal
	case ad.Needed < 0:
		return have + "; more than " + strconv.Itoa(staffing.MaxAgents) + " needed for " + goal
	}
	return fmt.Sprintf("%s; %d needed for %s", have, ad.Needed, goal)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// percent writes 0.8 as "80" and 0.955 as "95.5".
func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64)
}

// seconds writes 20 s as "20 s" and 1.5 s as "1.5 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(math.Round(d.Seconds()*10)/10, 'f', -1, 64) + " s"
}
