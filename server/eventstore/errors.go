package eventstore

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrCorrupt matches (errors.Is) every [*CorruptError].
var ErrCorrupt = errors.New("eventstore: corrupt record")

// ErrClosed is returned by every method that reads or writes the store
// after [Store.Close].
var ErrClosed = errors.New("eventstore: closed")

// ErrLocked is returned (wrapped, with the file's path) by [Open] when
// another process holds the store's file, typically a running
// phonebalanced: bbolt allows one writer process, or readers only.
var ErrLocked = errors.New("eventstore: the store is in use by another process")

// ErrReadOnly is returned by the writing methods of a store opened with
// Config.ReadOnly.
var ErrReadOnly = errors.New("eventstore: opened read-only")

// ErrNotFound is returned (wrapped, with the path) by [Open] with
// Config.ReadOnly when the directory holds no store.
var ErrNotFound = errors.New("eventstore: no event store")

// ErrVersion is returned (wrapped) by [Open] for a store written in a
// format this version does not read.
var ErrVersion = errors.New("eventstore: unsupported format version")

// ErrBadGap is returned (wrapped) by [Store.MarkGap] for an empty or
// reversed range.
var ErrBadGap = errors.New("eventstore: invalid gap")

// CorruptError reports a record of the store that cannot be what the
// store wrote: a key of the wrong length, a value that does not decode, an
// index entry naming an event that is not stored, or meta data missing or
// out of range. It names the bucket and the key so that an operator can
// find the record (bbolt's own tools print the same keys). The store never
// skips, truncates or deletes such a record; the read that met it fails.
type CorruptError struct {
	// Bucket is the bbolt bucket: "events", "by_call", "meta" or "gaps".
	Bucket string
	// Key is the record's key, nil when the record is a missing bucket.
	Key []byte
	// Err says what is wrong with it.
	Err error
}

// Error names the bucket and the key, then the cause.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("eventstore: corrupt record in bucket %q at key %s: %v", e.Bucket, describeKey(e.Bucket, e.Key), e.Err)
}

// Unwrap returns ErrCorrupt and the cause, so that both match errors.Is.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// describeKey prints a key readably: a seq as a number, a call index entry
// as the call and the seq, anything else quoted.
func describeKey(bucket string, k []byte) string {
	switch {
	case k == nil:
		return "(bucket missing)"
	case bucket == bucketEventsName && len(k) == 8:
		return fmt.Sprintf("%q (seq %d)", k, binary.BigEndian.Uint64(k))
	case bucket == bucketByCallName && len(k) > 9 && k[len(k)-9] == 0:
		return fmt.Sprintf("%q (call %q, seq %d)", k, k[:len(k)-9], binary.BigEndian.Uint64(k[len(k)-8:]))
	}
	return fmt.Sprintf("%q", k)
}

// ImportError reports a line of an old events.jsonl that cannot be
// imported: it does not decode as an event, or its seq does not follow
// the previous line's. Nothing is imported and the old file is left as it
// was.
type ImportError struct {
	// Path is the old file.
	Path string
	// Line is the line number, from 1.
	Line int
	// Err is the cause (wrapping eventlog.ErrDecode when the line does not
	// decode).
	Err error
}

// Error names the file and the line, then the cause.
func (e *ImportError) Error() string {
	return fmt.Sprintf("eventstore: importing %s: line %d: %v (fix or remove the line and start again; nothing was imported)", e.Path, e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *ImportError) Unwrap() error { return e.Err }
