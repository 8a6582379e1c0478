package eventlog_test

import (
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
)

type textCase struct {
	name string
	e    eventlog.Event
	want string
}

func checkText(t *testing.T, cases []textCase) {
	t.Helper()
	for _, c := range cases {
		if got := c.e.Text(); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func ev(k eventlog.Kind) eventlog.Event {
	return eventlog.Event{Kind: k, Call: "c", Teammate: "m-ana", TeammateName: "Ana"}
}

func TestTextCoreEvents(t *testing.T) {
	// Rule: EL1
	answered := ev(eventlog.CallAnswered)
	unnamed := ev(eventlog.CallMissed)
	unnamed.TeammateName = ""
	checkText(t, []textCase{
		{"answered shows the name", answered, "Call answered by Ana."},
		{"missed", ev(eventlog.CallMissed), "Call missed by Ana."},
		{"missed, id when no name", unnamed, "Call missed by m-ana."},
		{"ended before answer", ev(eventlog.CallEndedBeforeAnswer), "Call ended by customer before a teammate answered."},
		{"barge", ev(eventlog.TeammateJoined), "Ana joined the call."},
		{"manual answer", ev(eventlog.ManualAnswerRequested), "Manual answer requested by Ana."},
		{"abandoned assignment", eventlog.Event{Kind: eventlog.AbandonedAssignment, Call: "c"},
			"Started assignment after call ended without an assignee."},
	})
}

func TestTextDeclineButtonVersusOtherDeclines(t *testing.T) {
	// Rule: EL1
	// Rule: EL4
	// Only the Decline button says so; a busy signal, a dropped connection
	// and going Away read alike, with no full stop, as on the help page.
	button := ev(eventlog.CallDeclined)
	button.Decline = eventlog.DeclineButton
	cases := []textCase{{"button", button, "Call declined by Ana using the Decline button."}}
	for _, cause := range []eventlog.DeclineCause{
		eventlog.DeclineBusy, eventlog.DeclineConnectivity, eventlog.DeclineWentAway,
	} {
		e := ev(eventlog.CallDeclined)
		e.Decline = cause
		cases = append(cases, textCase{cause.String(), e, "Call declined by Ana"})
	}
	checkText(t, cases)
}

func TestTextDeflectionReasons(t *testing.T) {
	// Rule: EL2
	d := func(r eventlog.Deflection, mod func(*eventlog.Event)) eventlog.Event {
		e := eventlog.Event{Kind: eventlog.CallDeflected, Call: "c", Deflection: r}
		if mod != nil {
			mod(&e)
		}
		return e
	}
	checkText(t, []textCase{
		{"queue full", d(eventlog.DeflectQueueFull, func(e *eventlog.Event) { e.QueueLimit = 10 }),
			"Call deflected because Queue is longer than 10 calls."},
		{"no teammates", d(eventlog.DeflectNoTeammates, nil),
			"Call deflected because No teammates available."},
		{"workspace closed", d(eventlog.DeflectWorkspaceClosed, nil),
			"Call deflected because Workspace out of office."},
		{"team closed", d(eventlog.DeflectTeamClosed, func(e *eventlog.Event) { e.Team, e.TeamName = "t1", "Billing" }),
			"Call deflected because Billing is out of office."},
		{"hold timeout", d(eventlog.DeflectHoldTimeout, func(e *eventlog.Event) { e.HoldLimit = 5 * time.Minute }),
			"Call deflected because Customer has been waiting on hold for more than 5 minutes."},
		{"hold timeout, fractional", d(eventlog.DeflectHoldTimeout, func(e *eventlog.Event) { e.HoldLimit = 90 * time.Second }),
			"Call deflected because Customer has been waiting on hold for more than 1.5 minutes."},
	})
}

func TestTextCallbacks(t *testing.T) {
	// Rule: LC5
	kept := ev(eventlog.CallbackRequested)
	kept.KeepsPlace = true
	checkText(t, []textCase{
		{"callback, the call ends", ev(eventlog.CallbackRequested), "Customer requested a callback."},
		{"callback keeping the place", kept, "Customer requested a callback and keeps their place in the queue."},
		{"callback unreached", ev(eventlog.CallbackUnreached), "Callback did not reach the customer."},
	})
}

func TestTextTeamComposition(t *testing.T) {
	// Rule: EL3
	c := func(k eventlog.Kind, n int) eventlog.Event {
		return eventlog.Event{Kind: k, Call: "c", Team: "t1", Count: n}
	}
	checkText(t, []textCase{
		{"away", c(eventlog.TeammatesAway, 2), "Teammates away: 2"},
		{"no client", c(eventlog.TeammatesNoClient, 1), "Teammates available but with no active phone client: 1"},
		{"available", c(eventlog.TeammatesAvailable, 0), "Teammates available: 0"},
	})
}

func TestTextEveryKindIsWorded(t *testing.T) {
	// Every kind has its own wording rather than falling back to its name.
	for _, k := range eventlog.Kinds() {
		e := full(k, 1)
		if got := e.Text(); got == "" || got == k.String() {
			t.Errorf("%v has no wording: %q", k, got)
		}
	}
}
