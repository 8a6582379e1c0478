package dashboard

import (
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// Timeline is a call's timeline in the shape the page shows: the events in
// order and, for each, the product's wording. A Config.Timeline func may
// return it (or any value with "events" carrying "at" and a parallel "text"
// array).
type Timeline struct {
	Call pb.CallID `json:"call"`
	// Events are in the server's wire form (httpedge.Event: durations in
	// milliseconds).
	Events []httpedge.Event `json:"events"`
	Text   []string         `json:"text"`
}

// TimelineOf returns the timeline of call from its events in order (for
// example eventlog.Log.Timeline); no events give an empty timeline (a
// Config.Timeline func answers assign.ErrUnknownCall itself if it wants a
// 404).
func TimelineOf(call pb.CallID, events []eventlog.Event) Timeline {
	tl := Timeline{Call: call, Events: httpedge.Events(events), Text: make([]string, len(events))}
	for i, ev := range events {
		tl.Text[i] = ev.Text()
	}
	return tl
}
