package eventlog_test

import (
	"bytes"
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// A host stores events as JSON lines, reads them back and prints one
// call's timeline with the product's wording.
func Example() {
	start := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
	events := []eventlog.Event{
		{Kind: eventlog.CallPlaced, Direction: pb.Inbound},
		{Kind: eventlog.CallQueued, Team: "t1", TeamName: "Support", Segment: 1},
		{Kind: eventlog.CallOffered, Team: "t1", Segment: 1, Teammate: "m1", TeammateName: "Ana"},
		{Kind: eventlog.CallDeclined, Team: "t1", Segment: 1, Teammate: "m1", TeammateName: "Ana", Decline: eventlog.DeclineButton},
		{Kind: eventlog.CallOffered, Team: "t1", Segment: 1, Teammate: "m2", TeammateName: "Bo"},
		{Kind: eventlog.CallMissed, Team: "t1", Segment: 1, Teammate: "m2", TeammateName: "Bo"},
		{Kind: eventlog.CallEndedBeforeAnswer, Team: "t1", Segment: 1, Stage: eventlog.StageQueued},
	}
	var buf bytes.Buffer
	sink := eventlog.NewJSONLines(&buf)
	for i, e := range events {
		e.Seq, e.At, e.Call = uint64(i+1), start.Add(time.Duration(i)*10*time.Second), "call-42"
		if e.Direction == 0 {
			e.Direction = pb.Inbound
		}
		if err := sink.Write(e); err != nil {
			panic(err)
		}
	}

	stored, err := eventlog.DecodeJSONLines(&buf)
	if err != nil {
		panic(err)
	}
	var log eventlog.Log
	for _, e := range stored {
		log.Append(e)
	}
	for _, e := range log.Timeline("call-42") {
		fmt.Println(e.At.Format(time.TimeOnly), e.Text())
	}
	// Output:
	// 09:00:00 Call placed by customer.
	// 09:00:10 Call queued for Support.
	// 09:00:20 Call assigned to Ana.
	// 09:00:30 Call declined by Ana using the Decline button.
	// 09:00:40 Call assigned to Bo.
	// 09:00:50 Call missed by Bo.
	// 09:01:00 Call ended by customer before a teammate answered.
}
