package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of the teammate page a stream asks for.
const (
	// DefaultPageSize is the number of teammates a stream shows when its
	// request names no limit.
	DefaultPageSize = 50
	// MaxPageSize is the largest limit a stream may ask for.
	MaxPageSize = 500
	// maxSearchLen bounds the search text, in bytes.
	maxSearchLen = 256
)

// errBadView marks a stream request whose search or page cannot be read.
var errBadView = errors.New("dashboard: bad view")

// viewQuery is what one stream shows of the teammate table: the teammates
// whose name, ID or a team's name contains search (case-insensitively),
// in the table's order (name, then ID), from offset, at most limit.
type viewQuery struct {
	search        string // lower case
	offset, limit int
}

// parseView reads the query parameters q (search), offset and limit.
func parseView(v url.Values) (viewQuery, error) {
	q := viewQuery{limit: DefaultPageSize}
	s := v.Get("q")
	if len(s) > maxSearchLen || !utf8.ValidString(s) {
		return q, fmt.Errorf("%w: q must be valid UTF-8 of at most %d bytes", errBadView, maxSearchLen)
	}
	q.search = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{
		{"offset", &q.offset, 0, 1 << 30},
		{"limit", &q.limit, 1, MaxPageSize},
	} {
		raw := v.Get(p.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < p.min || n > p.max {
			return q, fmt.Errorf("%w: %s must be a whole number from %d to %d", errBadView, p.name, p.min, p.max)
		}
		*p.dst = n
	}
	return q, nil
}

// page returns the rows of f's teammate table that q shows, and how many
// teammates match q. Without a search it costs O(limit); with one,
// O(teammates).
func (q viewQuery) page(f *frame) (rows []row, matched int) {
	if q.search == "" {
		from := min(q.offset, len(f.mates))
		to := min(from+q.limit, len(f.mates))
		return f.mates[from:to], len(f.mates)
	}
	for i, s := range f.search {
		if !strings.Contains(s, q.search) {
			continue
		}
		if matched >= q.offset && len(rows) < q.limit {
			rows = append(rows, f.mates[i])
		}
		matched++
	}
	return rows, matched
}

// tableMsg is a table in a message. With Reset the table is replaced by
// Upsert in the order Order; otherwise Upsert adds or replaces rows by
// their "id", Remove drops rows by ID, and Order, when present, is the new
// order of every row's ID.
type tableMsg struct {
	Reset  bool              `json:"reset,omitempty"`
	Upsert []json.RawMessage `json:"upsert,omitempty"`
	Remove []string          `json:"remove,omitempty"`
	Order  []string          `json:"order,omitempty"`
}

// mateMsg is the teammate table in a message: the page's rows, as a
// tableMsg, and where the page is.
type mateMsg struct {
	tableMsg
	// Total counts every teammate; Matched those the search matches.
	Total   int `json:"total"`
	Matched int `json:"matched"`
	Offset  int `json:"offset"`
	Limit   int `json:"limit"`
}

// message is the data of one SSE message: the sections that changed for
// this stream ("snapshot": all of them, each table with Reset).
type message struct {
	At time.Time `json:"at"`
	// Index is the last log index notified before the render.
	Index     uint64          `json:"index"`
	Summary   json.RawMessage `json:"summary,omitempty"`
	Advice    json.RawMessage `json:"advice,omitempty"`
	Day       json.RawMessage `json:"day,omitempty"`
	Teams     *tableMsg       `json:"teams,omitempty"`
	Teammates *mateMsg        `json:"teammates,omitempty"`
	Calls     *tableMsg       `json:"calls,omitempty"`
}

// sentTable is what a stream last sent of one table.
type sentTable struct {
	rows  map[string]json.RawMessage
	order []string
}

// diff returns what turns the sent table into rows, and records rows as
// sent; nil if nothing changed. reset sends every row.
func (t *sentTable) diff(rows []row, reset bool) *tableMsg {
	m := &tableMsg{Reset: reset}
	next := make(map[string]json.RawMessage, len(rows))
	order := make([]string, len(rows))
	for i, r := range rows {
		order[i] = r.id
		next[r.id] = r.data
		if old, ok := t.rows[r.id]; reset || !ok || !bytes.Equal(old, r.data) {
			m.Upsert = append(m.Upsert, r.data)
		}
	}
	if !reset {
		for _, id := range t.order {
			if _, ok := next[id]; !ok {
				m.Remove = append(m.Remove, id)
			}
		}
	}
	if reset || !slices.Equal(order, t.order) {
		m.Order = order
	}
	t.rows, t.order = next, order
	if !reset && m.Upsert == nil && m.Remove == nil && m.Order == nil {
		return nil
	}
	return m
}

// view is one stream's state: its query and what it has sent, so that each
// message carries only what changed for it. A view holds its page's rows
// (shared with the frame they came from), not the whole teammate table.
type view struct {
	q       viewQuery
	seq     uint64 // the frame last sent; 0 before the snapshot
	summary json.RawMessage
	advice  json.RawMessage
	day     json.RawMessage
	teams   sentTable
	calls   sentTable
	mates   sentTable
	total   int
	matched int
}

// next returns the message that brings the stream from what it sent to f:
// "snapshot" the first time, then "delta"; ok is false when f is what it
// last sent or changes nothing it shows.
func (v *view) next(f *frame) (event string, data []byte, ok bool) {
	if f == nil || f.seq == v.seq {
		return "", nil, false
	}
	reset := v.seq == 0
	v.seq = f.seq
	m := message{At: f.at, Index: f.index}
	if reset || !bytes.Equal(v.summary, f.summary) {
		m.Summary, v.summary = f.summary, f.summary
	}
	if reset || !bytes.Equal(v.advice, f.advice) {
		m.Advice, v.advice = f.advice, f.advice
	}
	if reset || !bytes.Equal(v.day, f.day) {
		m.Day, v.day = f.day, f.day
	}
	m.Teams = v.teams.diff(f.teams, reset)
	m.Calls = v.calls.diff(f.calls, reset)
	rows, matched := v.q.page(f)
	mates := v.mates.diff(rows, reset)
	if mates != nil || matched != v.matched || len(f.mates) != v.total {
		v.matched, v.total = matched, len(f.mates)
		mm := &mateMsg{Total: v.total, Matched: matched, Offset: v.q.offset, Limit: v.q.limit}
		if mates != nil {
			mm.tableMsg = *mates
		}
		m.Teammates = mm
	}
	if !reset && m.Summary == nil && m.Advice == nil && m.Day == nil && m.Teams == nil && m.Calls == nil && m.Teammates == nil {
		return "", nil, false
	}
	b, err := json.Marshal(m)
	if err != nil { // every part is valid JSON the hub encoded
		panic("dashboard: encoding a message: " + err.Error())
	}
	event = "delta"
	if reset {
		event = "snapshot"
	}
	return event, b, true
}
