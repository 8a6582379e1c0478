package inbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
)

// tabs is the phone-client rule (PR3): a teammate's open inbox tabs on
// this node are their phone client.
//
//   - The client is open while at least one of their tabs holds the live
//     stream, and in the foreground while at least one of those tabs is
//     visible (document.visibilityState); with every tab hidden it is
//     "available but with no active phone client" and cannot ring.
//   - When the last tab goes (closed, navigated away, connection lost),
//     the client is reported closed CloseGrace later (2 s by default) if
//     no tab came back meanwhile: a page refresh keeps the client open. A
//     call ringing for them then ends as a connectivity decline and moves
//     on at once (the engine's SetClient).
//   - A teammate with a credential whose client the engine has open with
//     no tab here (after a restart or failover) is closed at the next
//     sweep ([tabs.reconcile]).
//   - A tab whose heartbeat stops (the page PUTs its visibility every
//     Heartbeat) is dropped after StaleAfter when visible, four times that
//     when hidden (background timers are throttled to about once a
//     minute), which covers a connection that died without closing.
//
// Tabs are kept per teammate of a workspace (a teammate ID is a
// workspace's own). Changes are submitted by one worker, in order, each
// as a SetClient command in the teammate's workspace only when its
// engine's state differs. Safe for concurrent use.
type tabs struct {
	s       *Server
	mu      sync.Mutex
	mates   map[mateKey]*mateTabs
	pending map[mateKey]bool
	wake    chan struct{}
}

// mateKey is a teammate of a workspace.
type mateKey struct {
	ws replica.WorkspaceID
	id pb.TeammateID
}

// key returns m's mateKey.
func (m mate) key() mateKey { return mateKey{ws: m.ws.ID(), id: m.id} }

type mateTabs struct {
	tabs    map[string]*tab
	closing *time.Timer // the grace before reporting the client closed
}

type tab struct {
	visible bool
	beat    time.Time
	cancel  context.CancelFunc
}

func newTabs(s *Server) *tabs {
	return &tabs{s: s, mates: map[mateKey]*mateTabs{}, pending: map[mateKey]bool{},
		wake: make(chan struct{}, 1)}
}

// add registers a connected tab and returns its ID; cancel ends its
// stream.
func (t *tabs) add(id mateKey, visible bool, cancel context.CancelFunc) string {
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	tid := base64.RawURLEncoding.EncodeToString(raw[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.mates[id]
	if m == nil {
		m = &mateTabs{tabs: map[string]*tab{}}
		t.mates[id] = m
	}
	m.tabs[tid] = &tab{visible: visible, beat: time.Now(), cancel: cancel}
	t.changedLocked(id, m)
	return tid
}

// remove unregisters a tab whose stream ended.
func (t *tabs) remove(id mateKey, tid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.mates[id]
	if m == nil {
		return
	}
	delete(m.tabs, tid)
	t.changedLocked(id, m)
}

// update records a tab's heartbeat and visibility; false if the tab is
// not connected (dropped: the page reconnects its stream).
func (t *tabs) update(id mateKey, tid string, visible bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.mates[id]
	if m == nil || m.tabs[tid] == nil {
		return false
	}
	tb := m.tabs[tid]
	tb.beat = time.Now()
	if tb.visible != visible {
		tb.visible = visible
		t.changedLocked(id, m)
	}
	return true
}

// desired is the client state m's tabs make.
func (m *mateTabs) desired() (open, background bool) {
	if len(m.tabs) == 0 {
		return false, false
	}
	for _, tb := range m.tabs {
		if tb.visible {
			return true, false
		}
	}
	return true, true
}

// changedLocked schedules the sync of id's client: at once, or after the
// grace when the last tab went.
func (t *tabs) changedLocked(id mateKey, m *mateTabs) {
	if len(m.tabs) > 0 {
		if m.closing != nil {
			m.closing.Stop()
			m.closing = nil
		}
		t.queueLocked(id)
		return
	}
	if m.closing == nil {
		m.closing = time.AfterFunc(t.s.cfg.CloseGrace, func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if cur := t.mates[id]; cur == m && len(m.tabs) == 0 {
				m.closing = nil
				t.queueLocked(id)
			}
		})
	}
}

func (t *tabs) queueLocked(id mateKey) {
	t.pending[id] = true
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// run submits the pending changes, one teammate at a time, until ctx
// ends.
func (t *tabs) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
		}
		t.mu.Lock()
		ids := make([]mateKey, 0, len(t.pending))
		for id := range t.pending {
			ids = append(ids, id)
		}
		clear(t.pending)
		t.mu.Unlock()
		for _, id := range ids {
			t.sync(ctx, id)
		}
	}
}

// sync makes the engine's client state for id what its tabs say.
func (t *tabs) sync(ctx context.Context, id mateKey) {
	t.mu.Lock()
	open, background := false, false
	if m := t.mates[id]; m != nil {
		open, background = m.desired()
		if !open && m.closing == nil {
			delete(t.mates, id) // nothing left to track
		}
	}
	t.mu.Unlock()
	w, err := t.s.rt.Workspace(id.ws)
	if err != nil {
		return
	}
	var cur assign.TeammateView
	var known bool
	_, _ = w.View(func(e *assign.Engine) { cur, known = e.Teammate(id.id) })
	if !known || (cur.Presence.ClientOpen == open && (!open || cur.Presence.Backgrounded == background)) {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	if err := api.Submit(cctx, w, assign.Command{Op: assign.OpSetClient, Teammate: id.id, Open: open, Background: background}); err != nil {
		t.s.logger.Warn("inbox: reporting a phone client failed", "workspace", id.ws, "teammate", id.id,
			"open", open, "background", background, "err", err)
	}
}

// reconcile closes, on the leader, the phone client an engine has open
// for a teammate who has a credential in their workspace (the inbox is
// their phone) but no tab on this node and no close pending: left open
// by a restart or a failover, it would otherwise ring a phone nobody
// holds until the ring timeout. It looks at every workspace, and runs
// with the sweep, so the first time StaleAfter/4 after start, which
// leaves reloading pages the time to reconnect.
func (t *tabs) reconcile() {
	if !t.s.rt.Node().IsLeader() {
		return
	}
	for _, ws := range t.s.rt.Workspaces() {
		w, err := t.s.rt.Workspace(ws)
		if err != nil {
			continue
		}
		var open []pb.TeammateID
		_, _ = w.View(func(e *assign.Engine) {
			e.EachTeammate(func(v assign.TeammateView) bool {
				if v.Presence.ClientOpen {
					open = append(open, v.ID)
				}
				return true
			})
		})
		if len(open) == 0 {
			continue
		}
		creds := t.s.Credentials(ws)
		t.mu.Lock()
		for _, id := range open {
			k := mateKey{ws: ws, id: id}
			if t.mates[k] == nil && creds.Has(string(id)) {
				t.queueLocked(k)
			}
		}
		t.mu.Unlock()
	}
}

// sweep drops the tabs whose heartbeat stopped, every quarter of
// StaleAfter, until ctx ends; it also runs the submission worker.
func (t *tabs) sweep(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); t.run(ctx) }()
	defer wg.Wait()
	tick := time.NewTicker(t.s.cfg.StaleAfter / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.reconcile()
			t.mu.Lock()
			for _, m := range t.mates {
				for _, tb := range m.tabs {
					limit := t.s.cfg.StaleAfter
					if !tb.visible {
						limit *= 4
					}
					if now.Sub(tb.beat) > limit {
						tb.cancel() // its stream ends and removes it
					}
				}
			}
			t.mu.Unlock()
		}
	}
}

// ClientOpen reports whether the phone client of teammate of
// core.DefaultWorkspace (the SIP gateway's workspace) is open in the
// inbox on this node: at least one of their tabs holds the stream, or
// the last one went less than CloseGrace ago (a reload). The SIP gateway
// asks it (sip.Config.OtherClient) to leave such a teammate's ring to the
// page. Safe for concurrent use; it does not block.
func (s *Server) ClientOpen(teammate pb.TeammateID) bool {
	t := s.tabs
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.mates[mateKey{ws: core.DefaultWorkspace, id: teammate}]
	return m != nil && (len(m.tabs) > 0 || m.closing != nil)
}
