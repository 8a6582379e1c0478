package eventlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrDecode is returned (wrapped, with the line number and the cause) when
// a stored line is not a valid event. Test with errors.Is; an unknown kind
// or enum name also matches [ErrUnknownKind] or [ErrUnknownValue].
var ErrDecode = errors.New("eventlog: cannot decode event")

// ErrLineTooLong is returned (wrapped, together with [ErrDecode]) for a
// line longer than MaxLineBytes. The reader skips the rest of it.
var ErrLineTooLong = errors.New("eventlog: line too long")

// MaxLineBytes is the longest line a [JSONLinesReader] reads, newline
// included: far more than any event the library writes (IDs, names and
// reasons are bounded by the engine), little enough that a corrupt or
// hostile file cannot make the reader hold an unbounded line in memory.
const MaxLineBytes = 1 << 20

// JSONLines is a [Sink] that writes each event as one JSON object on its
// own line (the JSON Lines format). Enums are written by name (kind
// "call_declined", decline "button", channel "Phone", direction
// "inbound", …); durations (hold_limit) as nanoseconds; times in RFC 3339
// with nanoseconds.
//
// A JSONLines is safe for concurrent use: each line is written with a
// single Write call on the underlying writer, under a mutex, so lines
// never interleave.
type JSONLines struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// NewJSONLines returns a sink writing to w. It does not buffer beyond one
// line: each event reaches w before Write returns.
func NewJSONLines(w io.Writer) *JSONLines {
	j := &JSONLines{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// Write encodes e and writes it as one line. An event that cannot be
// encoded (an invalid kind or enum value) is not written and the error
// wraps [ErrUnknownKind] or [ErrUnknownValue].
func (j *JSONLines) Write(e Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf.Reset()
	if err := j.enc.Encode(e); err != nil {
		return fmt.Errorf("eventlog: encode event %d: %w", e.Seq, err)
	}
	_, err := j.w.Write(j.buf.Bytes())
	return err
}

// JSONLinesReader reads events written by [JSONLines], one per line, in
// the order they were written. Blank lines are skipped; unknown JSON
// fields are ignored so that newer logs stay readable. Lines longer than
// MaxLineBytes are refused. A JSONLinesReader is not safe for concurrent
// use.
type JSONLinesReader struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

// NewJSONLinesReader returns a reader of the events in r.
func NewJSONLinesReader(r io.Reader) *JSONLinesReader {
	return &JSONLinesReader{r: bufio.NewReader(r)}
}

// Next returns the next event. At the end of the input it returns io.EOF.
// A line that is not a valid event gives an error wrapping [ErrDecode];
// the reader then moves on, so a caller may skip the line and call Next
// again.
//
// Decoding gives back exactly the event that was written, except that At
// and Deadline lose any monotonic clock reading and come back in UTC (or
// in a fixed zone with the stored offset): compare times with
// time.Time.Equal, or write UTC times.
func (d *JSONLinesReader) Next() (Event, error) {
	for {
		line, long, err := d.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			return Event{}, fmt.Errorf("eventlog: read line %d: %w", d.line+1, err)
		}
		if len(line) == 0 && !long {
			return Event{}, io.EOF
		}
		d.line++
		if long {
			return Event{}, fmt.Errorf("%w: line %d: %w: over %d bytes", ErrDecode, d.line, ErrLineTooLong, MaxLineBytes)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return decodeLine(line, d.line)
	}
}

// readLine reads up to and including the next newline. A line longer than
// MaxLineBytes is consumed and dropped, reporting long.
func (d *JSONLinesReader) readLine() (line []byte, long bool, err error) {
	d.buf = d.buf[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		if !long {
			if len(d.buf)+len(chunk) > MaxLineBytes {
				long, d.buf = true, d.buf[:0]
			} else {
				d.buf = append(d.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return d.buf, long, err
	}
}

func decodeLine(line []byte, n int) (Event, error) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil {
		return Event{}, fmt.Errorf("%w: line %d: %w", ErrDecode, n, err)
	}
	if !e.Kind.Valid() {
		return Event{}, fmt.Errorf("%w: line %d: %w: missing", ErrDecode, n, ErrUnknownKind)
	}
	return e, nil
}

// DecodeJSONLines reads every event in r. It stops at the first line that
// is not a valid event and returns the events before it with an error
// wrapping [ErrDecode].
func DecodeJSONLines(r io.Reader) ([]Event, error) {
	d := NewJSONLinesReader(r)
	var out []Event
	for {
		e, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
}
