package eventlog_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/phonebalance/phonebalance/eventlog"
)

func TestSlogSink(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	e := full(eventlog.CallDeclined, 3)
	e.Decline = eventlog.DeclineButton
	if err := eventlog.NewSlog(logger).Write(e); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	want := map[string]any{
		"msg": "Call declined by Ana Núñez using the Decline button.", "level": "INFO",
		"kind": "call_declined", "call": "c-1", "direction": "outbound", "teammate": "m-ana",
		"decline": "button", "stage": "on_hold", "channel": "Phone", "status": "Away",
		"seq": float64(3), "count": float64(3), "voicemail": true, "keeps_place": true,
	}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("%s = %v, want %v", k, rec[k], v)
		}
	}

	buf.Reset()
	if err := eventlog.NewSlog(logger).WithLevel(slog.LevelDebug).Write(e); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("debug record logged by an info handler: %s", buf.String())
	}
}

func TestAttrsOmitUnsetFields(t *testing.T) {
	e := eventlog.Event{Seq: 1, At: t0, Kind: eventlog.CallPlaced, Call: "c"}
	var keys []string
	for _, a := range e.Attrs() {
		keys = append(keys, a.Key)
	}
	want := []string{"seq", "at", "kind", "call"}
	if len(keys) != len(want) {
		t.Fatalf("got %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("got %v, want %v", keys, want)
		}
	}
}
