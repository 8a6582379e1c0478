package dashboard

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// row is one table row, encoded, with its key.
type row struct {
	id   string
	data json.RawMessage
}

// frame is one rendered State, each table row encoded on its own. A frame
// is never changed once the hub publishes it, so every stream reads it
// without a lock. Rows that did not change share their encoding with the
// frame before, so a render keeps one copy of each row, not two.
type frame struct {
	seq     uint64
	at      time.Time
	index   uint64
	summary json.RawMessage
	advice  json.RawMessage
	day     json.RawMessage
	teams   []row
	calls   []row
	mates   []row
	// search holds, for each of mates, the text a search matches: the
	// name, the ID and the team names, in lower case, one a line.
	search []string
}

// encodeFrame encodes st, reusing prev's encoding of every row that did not
// change (prev may be nil). changed reports whether the frame differs from
// prev in anything a stream could send.
func encodeFrame(st State, index uint64, prev *frame) (f *frame, changed bool, err error) {
	if prev == nil {
		prev = &frame{}
		changed = true
	}
	f = &frame{at: st.At, index: index}
	if f.summary, err = reuse(st.Summary, prev.summary, &changed); err != nil {
		return nil, false, err
	}
	advice := st.Advice
	if advice == nil {
		advice = []TeamAdvice{}
	}
	if f.advice, err = reuse(advice, prev.advice, &changed); err != nil {
		return nil, false, err
	}
	if st.Day.Teams == nil {
		st.Day.Teams = []TeamDay{}
	}
	if f.day, err = reuse(st.Day, prev.day, &changed); err != nil {
		return nil, false, err
	}

	if f.teams, err = encodeRows(st.Teams, prev.teams, &changed, func(t TeamRow) string { return string(t.ID) }); err != nil {
		return nil, false, err
	}
	if f.calls, err = encodeRows(st.Calls, prev.calls, &changed, func(c CallRow) string { return string(c.ID) }); err != nil {
		return nil, false, err
	}
	if f.mates, err = encodeRows(st.Teammates, prev.mates, &changed, func(m TeammateRow) string { return string(m.ID) }); err != nil {
		return nil, false, err
	}
	f.search = make([]string, len(st.Teammates))
	for i, m := range st.Teammates {
		if i < len(prev.mates) && sameRow(prev.mates[i], f.mates[i]) {
			f.search[i] = prev.search[i] // the same row: the same text
			continue
		}
		f.search[i] = searchText(m)
	}
	return f, changed, nil
}

// reuse encodes v and returns old instead if the encoding is the same;
// otherwise it sets *changed.
func reuse(v any, old json.RawMessage, changed *bool) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if old != nil && bytes.Equal(b, old) {
		return old, nil
	}
	*changed = true
	return b, nil
}

// encodeRows encodes each of items as a row keyed by key, reusing the
// encoding in prev of every row that did not change (rows mostly keep their
// position from one render to the next, so the same position is tried
// first, and a map of prev is built only when that fails). It sets
// *changed when a row is new, moved, different or gone.
func encodeRows[T any](items []T, prev []row, changed *bool, key func(T) string) ([]row, error) {
	rows := make([]row, len(items))
	if len(prev) != len(items) {
		*changed = true
	}
	var byID map[string]row
	for i, it := range items {
		id := key(it)
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		old, ok := row{}, false
		if i < len(prev) && prev[i].id == id {
			old, ok = prev[i], true
		} else {
			*changed = true // new or moved
			if byID == nil {
				byID = make(map[string]row, len(prev))
				for _, r := range prev {
					byID[r.id] = r
				}
			}
			old, ok = byID[id]
		}
		if ok && bytes.Equal(old.data, b) {
			rows[i] = old
			continue
		}
		*changed = true
		rows[i] = row{id: id, data: b}
	}
	return rows, nil
}

// sameRow reports whether b is a's encoding, shared (encodeRows reuses an
// unchanged row's encoding).
func sameRow(a, b row) bool {
	return a.id == b.id && len(a.data) > 0 && len(a.data) == len(b.data) && &a.data[0] == &b.data[0]
}

func searchText(m TeammateRow) string {
	var sb strings.Builder
	sb.WriteString(strings.ToLower(m.Name))
	sb.WriteByte('\n')
	sb.WriteString(strings.ToLower(string(m.ID)))
	for _, t := range m.Teams {
		sb.WriteByte('\n')
		sb.WriteString(strings.ToLower(t))
	}
	return sb.String()
}
