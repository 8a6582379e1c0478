package eventstore_test

import (
	"bytes"
	"testing"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// Export writes every stored event as the JSON line eventlog.JSONLines
// writes for it, in seq order, across several read chunks; the lines
// decode back to the events.
func TestEventsExport(t *testing.T) {
	eventstore.SmallChunks(t, 7)
	s := open(t, eventstore.Config{Dir: t.TempDir()})
	var all []eventlog.Event
	var want bytes.Buffer
	sink := eventlog.NewJSONLines(&want)
	for i := range 25 { // 50 events: several read chunks
		evs := callEvents(uint64(2*i+1), pb.CallID("call-<&>"+string(rune('a'+i%26))))
		all = append(all, evs...)
		for _, ev := range evs {
			if err := sink.Write(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustAppend(t, s, eventstore.Entry{Index: 1, Workspace: ws, Events: all})
	var got bytes.Buffer
	if err := s.Export(ws, &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("export differs from the JSON lines of the events: %d bytes, want %d", got.Len(), want.Len())
	}
	back, err := eventlog.DecodeJSONLines(&got)
	if err != nil || len(back) != len(all) || back[len(back)-1].Seq != 50 {
		t.Fatalf("decoded %d events, %v", len(back), err)
	}
}
