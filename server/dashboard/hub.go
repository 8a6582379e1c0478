package dashboard

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sections are the parts of a State the hub compares and sends on their
// own, in the order of the JSON "sections" object.
var sectionNames = [...]string{"summary", "teams", "teammates", "calls", "advice"}

const numSections = len(sectionNames)

type sections [numSections]json.RawMessage

func encodeSections(st State) (sections, error) {
	var s sections
	for i, v := range []any{st.Summary, st.Teams, st.Teammates, st.Calls, st.Advice} {
		b, err := json.Marshal(v)
		if err != nil {
			return s, err
		}
		s[i] = b
	}
	return s, nil
}

// errTooManySubscribers refuses a stream beyond Config.MaxSubscribers.
var errTooManySubscribers = errors.New("dashboard: too many live streams")

// message is one SSE message: a full snapshot or a delta.
type message struct {
	id    string
	event string // "snapshot" or "delta"
	data  []byte
	seq   uint64
}

// record is one rendered change kept for resumption: the sections that
// changed at seq (nil where unchanged).
type record struct {
	seq     uint64
	changed sections
}

// payload is a message's JSON data.
type payload struct {
	At time.Time `json:"at"`
	// Index is the last log index notified before the render.
	Index    uint64                     `json:"index"`
	Sections map[string]json.RawMessage `json:"sections"`
}

type subscriber struct {
	wake chan struct{} // capacity 1: "something new"
}

// hub renders the Source's state, keeps the latest sections and a bounded
// history of changes, and wakes subscribers. One goroutine renders; each
// subscriber's own goroutine (its HTTP handler) pulls what it lacks with
// since, so a slow subscriber never holds the hub or the others back.
type hub struct {
	cfg    Config
	epoch  string
	notify chan struct{}
	index  atomic.Uint64
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	seq     uint64
	at      time.Time
	atIndex uint64
	cur     sections
	hist    []record
	subs    map[*subscriber]struct{}
}

func newHub(cfg Config) *hub {
	var b [6]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	h := &hub{
		cfg: cfg, epoch: hex.EncodeToString(b[:]), notify: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel, done: make(chan struct{}),
		subs: make(map[*subscriber]struct{}),
	}
	go h.run()
	return h
}

// Notify records that the log applied entry index and schedules a render.
// It never blocks.
func (h *hub) Notify(index uint64) {
	for {
		old := h.index.Load()
		if index <= old || h.index.CompareAndSwap(old, index) {
			break
		}
	}
	h.poke()
}

func (h *hub) poke() {
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

func (h *hub) close() {
	h.cancel()
	<-h.done
}

func (h *hub) run() {
	defer close(h.done)
	var refresh <-chan time.Time
	if h.cfg.Refresh > 0 {
		t := time.NewTicker(h.cfg.Refresh)
		defer t.Stop()
		refresh = t.C
	}
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		h.render()
		pause.Reset(h.cfg.Coalesce)
		select {
		case <-h.ctx.Done():
			return
		case <-pause.C:
		}
	wait:
		for {
			select {
			case <-h.ctx.Done():
				return
			case <-h.notify:
				break wait
			case <-refresh:
				if h.watchers() > 0 {
					break wait
				}
			}
		}
	}
}

func (h *hub) watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// render asks the Source for the state and publishes the sections that
// changed, if any.
func (h *hub) render() {
	index := h.index.Load()
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.SourceTimeout)
	st, err := h.cfg.Source.State(ctx)
	cancel()
	if err != nil {
		if h.ctx.Err() == nil {
			h.cfg.Logger.Error("dashboard: reading the state", "err", err)
		}
		return
	}
	secs, err := encodeSections(st)
	if err != nil {
		h.cfg.Logger.Error("dashboard: encoding the state", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var rec record
	changed := h.seq == 0
	for i := range secs {
		if !bytes.Equal(secs[i], h.cur[i]) {
			rec.changed[i] = secs[i]
			changed = true
		}
	}
	if !changed {
		return
	}
	h.seq++
	rec.seq = h.seq
	h.cur, h.at, h.atIndex = secs, st.At, index
	if len(h.hist) == h.cfg.History {
		h.hist = append(h.hist[:0], h.hist[1:]...)
	}
	h.hist = append(h.hist, rec)
	for s := range h.subs {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (h *hub) subscribe() (*subscriber, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= h.cfg.MaxSubscribers {
		return nil, errTooManySubscribers
	}
	s := &subscriber{wake: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	h.poke() // render afresh for the newcomer
	return s, nil
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
}

// eventID is the SSE id of seq: the hub's epoch, so that ids from another
// process (or an earlier run) are recognised as unknown, and the sequence.
func (h *hub) eventID(seq uint64) string {
	return h.epoch + "-" + strconv.FormatUint(seq, 10)
}

// parseID returns the sequence of an id of this hub, or 0.
func (h *hub) parseID(id string) uint64 {
	epoch, seq, ok := strings.Cut(id, "-")
	if !ok || epoch != h.epoch {
		return 0
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// since returns what a subscriber that last saw seq needs: nothing if it
// is up to date (or nothing is rendered yet), the sections changed since
// if the history still holds them, else a full snapshot. seq 0 means
// "nothing seen".
func (h *hub) since(seq uint64) (message, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seq == 0 || seq == h.seq {
		return message{}, false
	}
	p := payload{At: h.at, Index: h.atIndex, Sections: make(map[string]json.RawMessage, numSections)}
	event := "snapshot"
	if seq > 0 && seq < h.seq && len(h.hist) > 0 && seq+1 >= h.hist[0].seq {
		event = "delta"
		for _, r := range h.hist {
			if r.seq <= seq {
				continue
			}
			for i, b := range r.changed {
				if b != nil {
					p.Sections[sectionNames[i]] = b
				}
			}
		}
	} else {
		for i, b := range h.cur {
			p.Sections[sectionNames[i]] = b
		}
	}
	data, err := json.Marshal(p)
	if err != nil { // RawMessages were valid JSON when stored
		panic("dashboard: encoding a message: " + err.Error())
	}
	return message{id: h.eventID(h.seq), event: event, data: data, seq: h.seq}, true
}
