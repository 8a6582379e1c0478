package eventstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// The bucket names; the layout is in the package comment.
const (
	bucketEventsName = "events"
	bucketByCallName = "by_call"
	bucketMetaName   = "meta"
	bucketGapsName   = "gaps"
)

var (
	bucketEvents = []byte(bucketEventsName)
	bucketByCall = []byte(bucketByCallName)
	bucketMeta   = []byte(bucketMetaName)
	bucketGaps   = []byte(bucketGapsName)

	keyVersion = []byte("version")
	keyApplied = []byte("applied")
	keyLastSeq = []byte("last_seq")
	keyCount   = []byte("count")
)

// FormatVersion is the layout version written in the meta bucket.
const FormatVersion = 1

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// callPrefix is the by_call prefix of a call's entries.
func callPrefix(call pb.CallID) []byte {
	p := make([]byte, 0, len(call)+9)
	p = append(p, call...)
	return append(p, 0)
}

func callKey(call pb.CallID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(callPrefix(call), seq)
}

// encodeEvent encodes ev as eventlog.JSONLines does, without the newline.
func encodeEvent(ev eventlog.Event) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("eventstore: encode event %d: %w", ev.Seq, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

var (
	errKeyLen   = errors.New("key is not 8 bytes")
	errNoKind   = errors.New("event has no valid kind")
	errDangling = errors.New("index entry names an event that is not stored")
)

// decodeEvent decodes the events bucket's record k, v, checking that the
// key is a seq and the value the event stored under it.
func decodeEvent(k, v []byte) (eventlog.Event, error) {
	var ev eventlog.Event
	if len(k) != 8 {
		return ev, &CorruptError{Bucket: bucketEventsName, Key: clone(k), Err: errKeyLen}
	}
	if err := json.Unmarshal(v, &ev); err != nil {
		return ev, &CorruptError{Bucket: bucketEventsName, Key: clone(k), Err: err}
	}
	if !ev.Kind.Valid() {
		return ev, &CorruptError{Bucket: bucketEventsName, Key: clone(k), Err: errNoKind}
	}
	if seq := binary.BigEndian.Uint64(k); ev.Seq != seq {
		return ev, &CorruptError{Bucket: bucketEventsName, Key: clone(k), Err: fmt.Errorf("value holds seq %d", ev.Seq)}
	}
	return ev, nil
}

// clone copies a key out of a bbolt page (valid only within its
// transaction).
func clone(b []byte) []byte { return append([]byte(nil), b...) }

// metaU64 reads a meta counter, which must be 8 bytes.
func metaU64(meta interface{ Get([]byte) []byte }, key []byte) (uint64, error) {
	v := meta.Get(key)
	if len(v) != 8 {
		return 0, &CorruptError{Bucket: bucketMetaName, Key: clone(key), Err: fmt.Errorf("value of %d bytes, want 8", len(v))}
	}
	return binary.BigEndian.Uint64(v), nil
}
