package inbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// Sessions are teammates' signed-in sessions on this node: a random
// 256-bit ID in the login cookie, kept here only as its SHA-256 digest
// with the principal and an expiry. They live in this node's memory: a
// restart or a failover to another node means signing in again. The
// number of live sessions is bounded (MaxSessions); creating one more
// drops the one that expires first. Safe for concurrent use.
type Sessions struct {
	mu    sync.Mutex
	ttl   time.Duration
	now   func() time.Time
	byKey map[[sha256.Size]byte]session
}

type session struct {
	p       httpedge.Principal
	expires time.Time
}

// MaxSessions bounds the sessions one node keeps.
const MaxSessions = 100_000

// NewSessions returns an empty session table whose sessions live ttl from
// sign-in; now is the clock (nil: time.Now).
func NewSessions(ttl time.Duration, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{ttl: ttl, now: now, byKey: map[[sha256.Size]byte]session{}}
}

// Create starts a session for p and returns its ID, the cookie's value.
func (s *Sessions) Create(p httpedge.Principal) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byKey) >= MaxSessions {
		s.evictLocked(now)
	}
	s.byKey[sha256.Sum256([]byte(id))] = session{p: p, expires: now.Add(s.ttl)}
	return id, nil
}

// evictLocked drops expired sessions, and if none had expired the one
// that expires first.
func (s *Sessions) evictLocked(now time.Time) {
	var first [sha256.Size]byte
	var firstAt time.Time
	dropped := false
	for k, v := range s.byKey {
		if !v.expires.After(now) {
			delete(s.byKey, k)
			dropped = true
			continue
		}
		if firstAt.IsZero() || v.expires.Before(firstAt) {
			first, firstAt = k, v.expires
		}
	}
	if !dropped && !firstAt.IsZero() {
		delete(s.byKey, first)
	}
}

// Verify implements httpedge.Verifier: the principal of a live session.
// The lookup is by the ID's SHA-256 digest, so its timing says nothing
// about the IDs stored.
func (s *Sessions) Verify(secret string) (httpedge.Principal, bool) {
	if len(secret) != 43 {
		return httpedge.Principal{}, false
	}
	k := sha256.Sum256([]byte(secret))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.byKey[k]
	if !ok {
		return httpedge.Principal{}, false
	}
	if !v.expires.After(now) {
		delete(s.byKey, k)
		return httpedge.Principal{}, false
	}
	return v.p, true
}

// End ends the session with ID id, if any.
func (s *Sessions) End(id string) {
	s.mu.Lock()
	delete(s.byKey, sha256.Sum256([]byte(id)))
	s.mu.Unlock()
}

// EndTeammate ends every session of teammate of workspace ws (their
// credential changed or was removed); the sessions of a teammate with the
// same ID in another workspace go on.
func (s *Sessions) EndTeammate(ws replica.WorkspaceID, teammate string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.byKey {
		if v.p.Teammate == teammate && v.p.Workspace == string(ws) {
			delete(s.byKey, k)
		}
	}
}
