package backup_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// craft builds an archive of the given files, in order (names and
// contents), without Write's checks: what a tampered file could hold.
func craft(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o600, Size: int64(len(f[1]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fileOf is the manifest's entry of a file named name holding body.
func fileOf(name, body string) backup.File {
	sum := sha256.Sum256([]byte(body))
	return backup.File{Name: name, Bytes: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
}

// An archive whose manifest names a file twice (leaving the other
// unchecked), or that holds a file twice (the event store written twice
// over, its second copy matching the manifest), is refused as corrupt.
func TestDuplicateFilesAreRefused(t *testing.T) {
	snap, events := `{"version":1}`, "bolt"
	manifest := func(files ...backup.File) string {
		b, err := json.Marshal(backup.Manifest{Format: backup.Format, Files: files})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, archive := range map[string][]byte{
		"the snapshot named twice, no event store": craft(t, [2]string{backup.SnapshotName, snap},
			[2]string{backup.ManifestName, manifest(fileOf(backup.SnapshotName, snap), fileOf(backup.SnapshotName, snap))}),
		"the event store twice": craft(t, [2]string{backup.SnapshotName, snap}, [2]string{backup.EventsName, "junk"},
			[2]string{backup.EventsName, events},
			[2]string{backup.ManifestName, manifest(fileOf(backup.SnapshotName, snap), fileOf(backup.EventsName, events))}),
		"the manifest twice": craft(t, [2]string{backup.SnapshotName, snap}, [2]string{backup.EventsName, events},
			[2]string{backup.ManifestName, manifest(fileOf(backup.SnapshotName, snap), fileOf(backup.EventsName, events))},
			[2]string{backup.ManifestName, manifest(fileOf(backup.SnapshotName, snap), fileOf(backup.EventsName, events))}),
	} {
		if _, _, err := backup.Read(bytes.NewReader(archive), &bytes.Buffer{}); !errors.Is(err, backup.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	// The same files once each read back.
	ok := craft(t, [2]string{backup.SnapshotName, snap}, [2]string{backup.EventsName, events},
		[2]string{backup.ManifestName, manifest(fileOf(backup.SnapshotName, snap), fileOf(backup.EventsName, events))})
	var got bytes.Buffer
	if _, _, err := backup.Read(bytes.NewReader(ok), &got); err != nil || got.String() != events {
		t.Fatalf("a well-formed archive: %v, events %q", err, got.String())
	}
}
