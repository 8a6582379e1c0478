package backup_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/backup"
)

// An archive reads back as written; a changed byte, or a file missing,
// is refused as corrupt.
func TestRoundTrip(t *testing.T) {
	snap := []byte(`{"version":1}`)
	events := bytes.Repeat([]byte("bolt"), 1000)
	var buf bytes.Buffer
	m := backup.Manifest{Created: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Node: "n1", Index: 42}
	if err := backup.Write(&buf, m, snap, bytes.NewReader(events), int64(len(events))); err != nil {
		t.Fatal(err)
	}
	var gotEvents bytes.Buffer
	got, gotSnap, err := backup.Read(bytes.NewReader(buf.Bytes()), &gotEvents)
	if err != nil || got.Index != 42 || got.Node != "n1" || got.Format != backup.Format || len(got.Files) != 2 ||
		!bytes.Equal(gotSnap, snap) || !bytes.Equal(gotEvents.Bytes(), events) {
		t.Fatalf("read back: %+v %q %d bytes, %v", got, gotSnap, gotEvents.Len(), err)
	}
	// One byte of the events changed.
	bad := bytes.Clone(buf.Bytes())
	i := bytes.Index(bad, []byte("boltbolt"))
	bad[i] = 'B'
	if _, _, err := backup.Read(bytes.NewReader(bad), &bytes.Buffer{}); !errors.Is(err, backup.ErrCorrupt) {
		t.Fatalf("a changed byte: %v", err)
	}
	// A manifest that is not JSON.
	bad = bytes.Clone(buf.Bytes())
	i = bytes.Index(bad, []byte(`"format"`))
	bad[i] = '{'
	if _, _, err := backup.Read(bytes.NewReader(bad), &bytes.Buffer{}); !errors.Is(err, backup.ErrCorrupt) {
		t.Fatalf("a broken manifest: %v", err)
	}
	if _, _, err := backup.Read(strings.NewReader("not a tar file at all, not at all"), &bytes.Buffer{}); err == nil {
		t.Fatal("garbage accepted")
	}
	if err := backup.Write(&bytes.Buffer{}, m, snap, bytes.NewReader(events[:10]), int64(len(events))); err == nil {
		t.Fatal("a short event store accepted")
	}
}
