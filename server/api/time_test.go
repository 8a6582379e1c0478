package api_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/metrics"
)

// Time, inside a synctest bubble: the server's Live runs on the real
// clock, which in the bubble is fake and jumps ahead when every goroutine
// is blocked, so time.Sleep(30 * time.Second) returns at once with the
// ring timeout fired. Real sockets do not work in a bubble, so the tests
// call the handler directly; synctest.Wait() lets the delivery goroutine
// finish before asserting.

// A ring nobody answers times out after 30 s as a miss, and the call goes
// to the next teammate; the one who missed it is excluded for 5 minutes.
func TestRingTimesOutToNextTeammate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, tel, _ := newServer(t, api.Config{})
		seed(t, s)
		start := time.Now()
		at := func(d time.Duration) string { return start.Add(d).Format(time.TimeOnly) }

		mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
		synctest.Wait()
		equal(t, "effects", strings.Join(tel.take(), "; "), "ring call-1 ana "+at(30*time.Second))

		time.Sleep(30 * time.Second) // Ana never answers.
		synctest.Wait()
		equal(t, "effects", strings.Join(tel.take(), "; "),
			"stop_ringing call-1 ana; ring call-1 ben "+at(60*time.Second))

		var call api.Call
		mustServe(t, s, "GET", "/calls/call-1", "", http.StatusOK, &call)
		equal(t, "ringing", call.Ringing, "ben")
		equal(t, "excluded", len(call.Excluded), 1)
		equal(t, "excluded teammate", call.Excluded[0].Teammate, "ana")
		sameTime(t, "excluded until", call.Excluded[0].Until, start.Add(30*time.Second+5*time.Minute))

		_, text := serve(t, s, "GET", "/calls/call-1/explain?format=text", "")
		if !strings.Contains(text, "Ana: declined or missed this call; excluded until "+at(5*time.Minute+30*time.Second)) ||
			!strings.Contains(text, "Ben: ringing until "+at(60*time.Second)) {
			t.Fatalf("explain:\n%s", text)
		}

		var tl api.Timeline
		mustServe(t, s, "GET", "/calls/call-1/timeline", "", http.StatusOK, &tl)
		equal(t, "timeline", strings.Join(kinds(tl.Events), ","),
			"call_placed,call_queued,call_offered,call_missed,call_offered")
		missed := tl.Events[3]
		equal(t, "missed by", missed.Teammate, "ana")
		sameTime(t, "missed at", missed.At, start.Add(30*time.Second))

		var d metrics.Dashboard
		mustServe(t, s, "GET", "/dashboard", "", http.StatusOK, &d)
		equal(t, "in queue", d.InQueue, 1)
		equal(t, "ben ringing", d.Teammates["ben"].Ringing, true)
		equal(t, "ana ringing", d.Teammates["ana"].Ringing, false)

		// Ben answers 5 s into his ring and talks for two minutes.
		time.Sleep(5 * time.Second)
		mustServe(t, s, "POST", "/calls/call-1/answer", `{"teammate":"ben"}`, http.StatusOK, nil)
		time.Sleep(2 * time.Minute)
		mustServe(t, s, "POST", "/calls/call-1/end", "", http.StatusOK, &call)
		equal(t, "ended", call.Ended, true)
		synctest.Wait()
		equal(t, "effects", len(tel.take()), 0) // answers and ends need no effect

		mustServe(t, s, "GET", "/dashboard", "", http.StatusOK, &d)
		equal(t, "talk time", d.TalkTime, 2*time.Minute)
		equal(t, "ben's talk time", d.Teammates["ben"].TalkTime, 2*time.Minute)
		equal(t, "in queue", d.InQueue, 0)

		_, text = serve(t, s, "GET", "/calls/call-1/timeline?format=text", "")
		for _, want := range []string{
			at(30*time.Second) + "  Call missed by Ana.",
			at(35*time.Second) + "  Call answered by Ben.",
			at(155*time.Second) + "  Call ended by Ben.",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("timeline lacks %q:\n%s", want, text)
			}
		}
	})
}

// A teammate the Telephony cannot reach is declined for at once, as a
// connectivity decline, and the call rings the next teammate without
// waiting out the 30 s.
func TestUnreachableTeammateIsSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, tel, _ := newServer(t, api.Config{})
		tel.fail["ana"] = errors.New("SIP 480 Temporarily Unavailable")
		seed(t, s)
		start := time.Now()

		mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
		synctest.Wait()
		until := start.Add(30 * time.Second).Format(time.TimeOnly)
		equal(t, "effects", strings.Join(tel.take(), "; "),
			"ring call-1 ana "+until+" failed; ring call-1 ben "+until)

		var tl api.Timeline
		mustServe(t, s, "GET", "/calls/call-1/timeline", "", http.StatusOK, &tl)
		i := slices.IndexFunc(tl.Events, func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallDeclined })
		if i < 0 {
			t.Fatalf("no decline in %v", kinds(tl.Events))
		}
		equal(t, "declined by", tl.Events[i].Teammate, "ana")
		equal(t, "cause", tl.Events[i].Decline, eventlog.DeclineConnectivity)
		sameTime(t, "declined at", tl.Events[i].At, start)
	})
}

// A customer hanging up while a phone rings stops the ring, and the call
// counts as abandoned, not as in queue.
func TestHangUpWhileRingingStopsTheRing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, tel, _ := newServer(t, api.Config{})
		seed(t, s)
		mustServe(t, s, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
		time.Sleep(10 * time.Second)
		mustServe(t, s, "POST", "/calls/call-1/hangup", "", http.StatusOK, nil)
		synctest.Wait()
		effects := tel.take()
		equal(t, "last effect", effects[len(effects)-1], "stop_ringing call-1 ana")

		var d metrics.Dashboard
		mustServe(t, s, "GET", "/dashboard", "", http.StatusOK, &d)
		equal(t, "in queue", d.InQueue, 0)
		equal(t, "ana ringing", d.Teammates["ana"].Ringing, false)

		var tl api.Timeline
		mustServe(t, s, "GET", "/calls/call-1/timeline", "", http.StatusOK, &tl)
		last := tl.Events[len(tl.Events)-1]
		equal(t, "last event", last.Kind, eventlog.CallEndedBeforeAnswer)
		equal(t, "stage", last.Stage, eventlog.StageRinging)
	})
}
