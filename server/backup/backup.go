// Package backup is the format of a phonebalanced backup: one tar file
// holding the replicated state machine's snapshot (snapshot.json, as
// replica.Node.Capture encodes it), the event store's file (events.db,
// a bbolt file) at the same raft index, and a manifest (manifest.json,
// last) with the format, the server's version, the index and each
// file's size and SHA-256. It is written by the admin endpoint GET
// /v1/cluster/backup and read by phonebalanced restore. Functions are
// safe for concurrent use; they hold no state.
package backup

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Format is the version of the archive's layout this package writes and
// reads.
const Format = 1

// The archive's files, in the order they are written.
const (
	SnapshotName = "snapshot.json"
	EventsName   = "events.db"
	ManifestName = "manifest.json"
)

// maxSnapshot bounds the snapshot read into memory on restore.
const maxSnapshot = 1 << 30

// ErrCorrupt: the archive is not a backup this package reads, or a file
// does not match the manifest.
var ErrCorrupt = errors.New("backup: not a valid backup")

// Manifest describes a backup.
type Manifest struct {
	// Format is the archive's layout version, [Format].
	Format int `json:"format"`
	// Created is when the backup was taken (the node's clock).
	Created time.Time `json:"created"`
	// Node is the raft ID of the node it was taken from.
	Node string `json:"node"`
	// Server is the server's version and VCS revision.
	Server string `json:"server"`
	// Index is the raft index the snapshot and the event store both hold.
	Index uint64 `json:"index"`
	// Files are the archive's other files, with their sizes and digests.
	Files []File `json:"files"`
}

// File is one file of a backup.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Write writes the archive to w: the snapshot, then size bytes of the
// event store from events, then m with the two files' sizes and digests
// (Format filled in).
func Write(w io.Writer, m Manifest, snapshot []byte, events io.Reader, size int64) error {
	tw := tar.NewWriter(w)
	put := func(name string, r io.Reader, n int64) (File, error) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: n, ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
			return File{}, err
		}
		h := sha256.New()
		got, err := io.Copy(tw, io.TeeReader(r, h))
		if err == nil && got != n {
			err = fmt.Errorf("backup: %s: %d bytes, expected %d", name, got, n)
		}
		return File{Name: name, Bytes: got, SHA256: hex.EncodeToString(h.Sum(nil))}, err
	}
	m.Format = Format
	m.Files = nil
	for _, f := range []struct {
		name string
		r    io.Reader
		n    int64
	}{{SnapshotName, bytes.NewReader(snapshot), int64(len(snapshot))}, {EventsName, events, size}} {
		file, err := put(f.name, f.r, f.n)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, file)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if _, err := put(ManifestName, bytes.NewReader(b), int64(len(b))); err != nil {
		return err
	}
	return tw.Close()
}

// Read reads an archive from r: it returns the manifest and the snapshot,
// and writes the event store's file to events. Every file is checked
// against the manifest (sizes and SHA-256) once the whole archive is
// read: on an error, what was written to events is not to be used.
func Read(r io.Reader, events io.Writer) (Manifest, []byte, error) {
	var m Manifest
	var snapshot []byte
	got := map[string]File{}
	seenManifest := false
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if _, dup := got[hdr.Name]; dup || hdr.Name == ManifestName && seenManifest {
			return m, nil, fmt.Errorf("%w: %s twice", ErrCorrupt, hdr.Name)
		}
		h := sha256.New()
		var n int64
		switch hdr.Name {
		case SnapshotName:
			if hdr.Size > maxSnapshot {
				return m, nil, fmt.Errorf("%w: a snapshot of %d bytes", ErrCorrupt, hdr.Size)
			}
			snapshot, err = io.ReadAll(io.TeeReader(tr, h))
			n = int64(len(snapshot))
		case EventsName:
			n, err = io.Copy(events, io.TeeReader(tr, h))
		case ManifestName:
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return m, nil, fmt.Errorf("backup: reading %s: %w", hdr.Name, err)
			}
			if err := json.Unmarshal(b, &m); err != nil {
				return m, nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
			}
			seenManifest = true
			continue
		default:
			return m, nil, fmt.Errorf("%w: unexpected file %q", ErrCorrupt, hdr.Name)
		}
		if err != nil {
			return m, nil, fmt.Errorf("backup: reading %s: %w", hdr.Name, err)
		}
		got[hdr.Name] = File{Name: hdr.Name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	if !seenManifest {
		return m, nil, fmt.Errorf("%w: no %s", ErrCorrupt, ManifestName)
	}
	if m.Format != Format {
		return m, nil, fmt.Errorf("%w: format %d, this server reads %d", ErrCorrupt, m.Format, Format)
	}
	if len(m.Files) != 2 || m.Files[0].Name == m.Files[1].Name {
		return m, nil, fmt.Errorf("%w: the manifest lists %d files, not %s and %s once each", ErrCorrupt, len(m.Files), SnapshotName, EventsName)
	}
	for _, want := range m.Files {
		if got[want.Name] != want {
			return m, nil, fmt.Errorf("%w: %s does not match the manifest (%+v, manifest %+v)", ErrCorrupt, want.Name, got[want.Name], want)
		}
	}
	return m, snapshot, nil
}
