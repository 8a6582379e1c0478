package eventlog_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

var t0 = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

// full returns an event of kind k with every field set to a valid,
// non-zero value, so a round trip exercises every field and enum.
func full(k eventlog.Kind, seq uint64) eventlog.Event {
	return eventlog.Event{
		Seq: seq, At: t0.Add(time.Duration(seq) * 1500 * time.Millisecond), Kind: k,
		Call: "c-1", Direction: pb.Outbound, Team: "t-sales", TeamName: "Sales <EU> & \"UK\"",
		Segment: 2, Teammate: "m-ana", TeammateName: "Ana Núñez",
		Deadline: t0.Add(30*time.Second + 7), Decline: eventlog.DeclineWentAway,
		Deflection: eventlog.DeflectHoldTimeout, QueueLimit: 10, HoldLimit: 5 * time.Minute,
		Stage: eventlog.StageOnHold, By: eventlog.ByTeammate, Voicemail: true, KeepsPlace: true, Count: 3,
		Channel: presence.ChannelPhone, Status: presence.Away, Reason: presence.ReasonWrapUp,
		ClientActive: true,
	}
}

func TestJSONLinesRoundTripEveryKind(t *testing.T) {
	var buf bytes.Buffer
	sink := eventlog.NewJSONLines(&buf)
	var want []eventlog.Event
	for i, k := range eventlog.Kinds() {
		e := full(k, uint64(i+1))
		want = append(want, e)
		if err := sink.Write(e); err != nil {
			t.Fatalf("write %v: %v", k, err)
		}
		// A sparse event too: only the always-present fields.
		sparse := eventlog.Event{Seq: uint64(1000 + i), At: t0, Kind: k}
		want = append(want, sparse)
		if err := sink.Write(sparse); err != nil {
			t.Fatalf("write sparse %v: %v", k, err)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != len(want) {
		t.Fatalf("got %d lines, want %d", n, len(want))
	}
	got, err := eventlog.DecodeJSONLines(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
}

func TestJSONLinesEnumsByName(t *testing.T) {
	var buf bytes.Buffer
	e := full(eventlog.CallDeclined, 1)
	if err := eventlog.NewJSONLines(&buf).Write(e); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, frag := range []string{
		`"kind":"call_declined"`, `"decline":"went_away"`, `"deflection":"hold_timeout"`,
		`"stage":"on_hold"`, `"by":"teammate"`, `"channel":"Phone"`, `"status":"Away"`,
		`"direction":"outbound"`, `"team_name":"Sales <EU> & \"UK\""`,
	} {
		if !strings.Contains(line, frag) {
			t.Errorf("line lacks %s: %s", frag, line)
		}
	}
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Errorf("not one line: %q", line)
	}
}

func TestJSONLinesRejectsInvalidEvent(t *testing.T) {
	var buf bytes.Buffer
	sink := eventlog.NewJSONLines(&buf)
	err := sink.Write(eventlog.Event{Seq: 1, At: t0})
	if !errors.Is(err, eventlog.ErrUnknownKind) {
		t.Fatalf("zero kind: got %v, want ErrUnknownKind", err)
	}
	err = sink.Write(eventlog.Event{Seq: 2, At: t0, Kind: eventlog.CallDeclined, Decline: 99})
	if !errors.Is(err, eventlog.ErrUnknownValue) {
		t.Fatalf("bad decline: got %v, want ErrUnknownValue", err)
	}
	if buf.Len() != 0 {
		t.Fatalf("invalid events were written: %q", buf.String())
	}
}

func TestDecodeGarbage(t *testing.T) {
	good := `{"seq":1,"at":"2025-03-04T09:00:00Z","kind":"call_placed","call":"c","direction":"inbound"}` + "\n"
	cases := map[string]struct {
		in   string
		also error
	}{
		"not json":       {in: "hello\n"},
		"truncated":      {in: `{"seq":1,"kind":"call_pl` + "\n"},
		"unknown kind":   {in: `{"seq":1,"kind":"call_teleported"}` + "\n", also: eventlog.ErrUnknownKind},
		"missing kind":   {in: `{"seq":1}` + "\n", also: eventlog.ErrUnknownKind},
		"unknown stage":  {in: `{"seq":1,"kind":"call_ended","stage":"orbit"}` + "\n", also: eventlog.ErrUnknownValue},
		"bad channel":    {in: `{"seq":1,"kind":"channel_changed","channel":"Fax"}` + "\n", also: presence.ErrInvalidChannel},
		"wrong type":     {in: `{"seq":"one","kind":"call_placed"}` + "\n"},
		"array not obj":  {in: `[1,2,3]` + "\n"},
		"good then junk": {in: good + "}{\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := eventlog.DecodeJSONLines(strings.NewReader(c.in))
			if !errors.Is(err, eventlog.ErrDecode) {
				t.Fatalf("got %v, want ErrDecode", err)
			}
			if c.also != nil && !errors.Is(err, c.also) {
				t.Fatalf("got %v, want it to match %v too", err, c.also)
			}
			if name == "good then junk" {
				if len(got) != 1 || !strings.Contains(err.Error(), "line 2") {
					t.Fatalf("got %d events and %v; want the first event and an error on line 2", len(got), err)
				}
			}
		})
	}
}

func TestReaderSkipsBlankLinesAndReadsUnterminatedLast(t *testing.T) {
	in := "\n" + `{"seq":1,"at":"2025-03-04T09:00:00Z","kind":"call_placed","call":"c","direction":"inbound"}` +
		"\n  \n" + `{"seq":2,"at":"2025-03-04T09:00:01Z","kind":"call_queued","call":"c","team":"t","segment":1}`
	r := eventlog.NewJSONLinesReader(strings.NewReader(in))
	var seqs []uint64
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, e.Seq)
	}
	if !reflect.DeepEqual(seqs, []uint64{1, 2}) {
		t.Fatalf("got seqs %v", seqs)
	}
}

// Concurrent writers never interleave bytes within a line.
func TestJSONLinesConcurrentWriters(t *testing.T) {
	var buf bytes.Buffer
	sink := eventlog.NewJSONLines(&buf)
	var wg sync.WaitGroup
	const writers, each = 8, 50
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := full(eventlog.CallOffered, uint64(w*each+i+1))
				if err := sink.Write(e); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, err := eventlog.DecodeJSONLines(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers*each {
		t.Fatalf("got %d events, want %d", len(got), writers*each)
	}
}

func TestMultiAndSinkFunc(t *testing.T) {
	var a, b []uint64
	boom := errors.New("boom")
	m := eventlog.Multi{
		eventlog.SinkFunc(func(e eventlog.Event) error { a = append(a, e.Seq); return boom }),
		eventlog.SinkFunc(func(e eventlog.Event) error { b = append(b, e.Seq); return nil }),
	}
	err := m.Write(eventlog.Event{Seq: 7, Kind: eventlog.CallPlaced})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("not every sink was written: %v %v", a, b)
	}
	if err := (eventlog.Multi{}).Write(eventlog.Event{}); err != nil {
		t.Fatalf("empty multi: %v", err)
	}
}
