package telephony_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// traceLog is a slog.Handler that keeps each record's message and the
// trace of the context it was logged with, as the server's handler
// (httpedge.WithRequestID) reads it into request_id.
type traceLog struct {
	mu   *sync.Mutex
	recs *[]string
}

func newTraceLog() traceLog { return traceLog{mu: &sync.Mutex{}, recs: new([]string)} }

func (h traceLog) Enabled(context.Context, slog.Level) bool { return true }
func (h traceLog) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.recs = append(*h.recs, r.Message+" trace="+replica.Trace(ctx))
	return nil
}
func (h traceLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h traceLog) WithGroup(string) slog.Handler      { return h }

func (h traceLog) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(*h.recs)
}

// failingLog is LogTelephony that fails ben's rings.
type failingLog struct{ telephony.LogTelephony }

func (f failingLog) Execute(ctx context.Context, ef telephony.Effect) error {
	if err := f.LogTelephony.Execute(ctx, ef); err != nil {
		return err
	}
	if ef.Kind == assign.Ring && ef.Teammate == "ben" {
		return context.DeadlineExceeded
	}
	return nil
}

// traceDoer records the trace each submitted command's context carries.
type traceDoer struct {
	mu     sync.Mutex
	traces []string
}

func (d *traceDoer) Do(ctx context.Context, _ replica.WorkspaceID, cmd assign.Command) (assign.Ready, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.traces = append(d.traces, string(cmd.Call)+" trace="+replica.Trace(ctx))
	return assign.Ready{}, nil
}

// The logs of an effect carry the trace of the command that produced it
// (the ID of the HTTP request that submitted it): LogTelephony's line,
// the dispatcher's warning for a ring that failed, and the decline it
// submits for it, whose own effects then carry the same trace. An effect
// of a command without a trace has none.
func TestEffectLogsCarryTheCommandsTrace(t *testing.T) {
	logs := newTraceLog()
	logger := slog.New(logs)
	dr := &traceDoer{}
	d := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: failingLog{telephony.LogTelephony{Logger: logger}},
		Logger: logger})
	d.SetDoer(dr)
	t.Cleanup(d.Close)
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 7, Trace: "req-7", Effects: []assign.Effect{ring("c1", "ben")}})
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 8, Effects: []assign.Effect{ring("c2", "ana")}})
	settle(t, d)
	got := logs.got()
	slices.Sort(got)
	want := []string{
		"telephony: cannot ring teammate; declining for them trace=req-7",
		"telephony: ring trace=",
		"telephony: ring trace=req-7",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("log records\n%q\nwant\n%q", got, want)
	}
	if !slices.Equal(dr.traces, []string{"c1 trace=req-7"}) {
		t.Fatalf("the decline was submitted with %q", dr.traces)
	}
}

// The webhook's warning of a failed attempt carries the effect's trace.
func TestWebhookLogCarriesTheTrace(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	logs := newTraceLog()
	w, err := telephony.NewWebhook(telephony.WebhookConfig{URL: srv.URL, Secret: secret, Backoff: time.Millisecond,
		Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(replica.WithTrace(context.Background(), "req-9"), failBound)
	defer cancel()
	if err := w.Execute(ctx, telephony.Effect{Effect: ring("c1", "ana"), Workspace: "ws", ID: replica.EffectID{Index: 9}}); err != nil {
		t.Fatal(err)
	}
	if got := logs.got(); !slices.Equal(got, []string{"webhook failed; retrying trace=req-9"}) {
		t.Fatalf("log records %q", got)
	}
}

// At the default level (info), effects that run write nothing: the
// per-ring lines of LogTelephony are at debug, and the dispatcher and
// the webhook log only failures.
func TestEffectsAreQuietAtInfo(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	hook, err := telephony.NewWebhook(telephony.WebhookConfig{URL: srv.URL, Secret: secret, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	for _, tel := range []telephony.Telephony{telephony.LogTelephony{Logger: logger}, hook} {
		d := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: tel, Logger: logger})
		d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Trace: "req-1", Effects: []assign.Effect{
			ring("c1", "ana"), stop("c1", "ana"), ring("c1", "ben"),
			{Kind: assign.Deflect, Call: "c2", Team: "support", Deflection: eventlog.DeflectQueueFull},
			{Kind: assign.ReassignReplies, Teammate: "ben"}}})
		settle(t, d)
		d.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if buf.Len() != 0 {
		t.Fatalf("at info, effects logged:\n%s", buf.String())
	}
}
