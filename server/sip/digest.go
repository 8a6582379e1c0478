package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"sync"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	pb "github.com/phonebalance/phonebalance"
)

// nonceTTL is how long a digest nonce is accepted; an older one gets a
// new challenge with stale=true.
const nonceTTL = 5 * time.Minute

// nonces issues digest nonces and remembers each one it issued until it
// expires (nonceTTL on the engine's clock) or max newer ones push it out,
// so that a captured request cannot be replayed:
//
//   - with qop=auth, a nonce may be reused (a phone refreshing its
//     registration saves a round trip), but each use must carry a
//     higher nc than the last accepted one (RFC 7616 §3.4.5);
//   - without qop (RFC 2069 clients), a nonce is good once.
//
// A nonce that is signed by the key but no longer remembered (expired or
// pushed out) is stale: the client gets a fresh challenge with
// stale=true and answers it without asking its user. Memory is bounded
// by max entries. Safe for concurrent use.
type nonces struct {
	key []byte
	max int

	mu    sync.Mutex
	table map[string]*nonceState
	fifo  []string // issue order, oldest first; entries may be gone from table
}

type nonceState struct {
	issued time.Time
	nc     int  // the highest nc accepted (qop=auth)
	used   bool // accepted once without qop
}

func newNonces(max int) (*nonces, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return &nonces{key: k, max: max, table: make(map[string]*nonceState)}, nil
}

func (n *nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write(b)
	return m.Sum(nil)[:16]
}

// issue returns a new nonce dated now and remembers it, forgetting
// expired nonces and, beyond max, the oldest ones.
func (n *nonces) issue(now time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	b = append(b, make([]byte, 8)...)
	_, _ = rand.Read(b[8:])
	nonce := hex.EncodeToString(b) + hex.EncodeToString(n.mac(b))
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(n.fifo) > 0 {
		st, ok := n.table[n.fifo[0]]
		if ok && len(n.table) < n.max && now.Sub(st.issued) <= nonceTTL {
			break
		}
		delete(n.table, n.fifo[0])
		n.fifo = n.fifo[1:]
	}
	n.table[nonce] = &nonceState{issued: now}
	n.fifo = append(n.fifo, nonce)
	return nonce
}

// nonceVerdict is what a nonce check found.
type nonceVerdict uint8

const (
	nonceOK     nonceVerdict = iota
	nonceForged              // not signed by this gateway
	nonceStale               // ours, but expired or forgotten
	nonceReplay              // ours and fresh, but this nc (or this single use) was accepted before
)

// known reports whether nonce is ours and still remembered and fresh at
// now, without using it.
func (n *nonces) known(nonce string, now time.Time) nonceVerdict {
	b, err := hex.DecodeString(nonce)
	if err != nil || len(b) != 16+16 || !hmac.Equal(b[16:], n.mac(b[:16])) {
		return nonceForged
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	st, ok := n.table[nonce]
	if !ok || now.Sub(st.issued) > nonceTTL {
		return nonceStale
	}
	return nonceOK
}

// use records an accepted use of nonce with nc (0 without qop), unless
// it is a replay: an nc not above the last accepted, or a second use
// without qop.
func (n *nonces) use(nonce string, nc int, now time.Time) nonceVerdict {
	n.mu.Lock()
	defer n.mu.Unlock()
	st, ok := n.table[nonce]
	switch {
	case !ok || now.Sub(st.issued) > nonceTTL:
		return nonceStale
	case nc == 0 && st.used, nc != 0 && nc <= st.nc:
		return nonceReplay
	}
	if nc == 0 {
		st.used = true
	} else {
		st.nc = nc
	}
	return nonceOK
}

// size returns how many nonces are remembered.
func (n *nonces) size() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.table)
}

// challenge is the registrar's WWW-Authenticate challenge.
func challenge(realm, nonce string, stale bool) *digest.Challenge {
	return &digest.Challenge{Realm: realm, Nonce: nonce, Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
}

// verifyDigest checks cred, sent for method, against password: the
// response must be what the password gives for the challenge the client
// answered (with qop=auth, or without qop as RFC 2069 clients do).
func verifyDigest(cred *digest.Credentials, realm, method, password string) bool {
	chal := &digest.Challenge{Realm: realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
	switch cred.QOP {
	case "":
	case "auth":
		if cred.Cnonce == "" || cred.Nc <= 0 {
			return false
		}
		chal.QOP = []string{"auth"}
	default:
		return false
	}
	want, err := digest.Digest(chal, digest.Options{Method: method, URI: cred.URI,
		Username: cred.Username, Password: password, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) == 1
}

// authenticate checks the request's digest credentials: those of teammate
// want, or of any configured user when want is empty (a caller). proxy
// selects Proxy-Authorization and 407 (for an INVITE) over Authorization
// and 401 (for a REGISTER). It answers the request itself (the
// challenge, or 403) and returns false when they do not pass; it returns
// the authenticated user otherwise.
func (g *Gateway) authenticate(req *siplib.Request, tx siplib.ServerTransaction, want pb.TeammateID, proxy bool) (pb.TeammateID, bool) {
	now := g.cfg.Clock.Now()
	ask, answer, code, reason := "WWW-Authenticate", "Authorization", 401, "Unauthorized"
	if proxy {
		ask, answer, code, reason = "Proxy-Authenticate", "Proxy-Authorization", 407, "Proxy Authentication Required"
	}
	challengeWith := func(stale bool) {
		ch := challenge(g.cfg.Domain, g.nonces.issue(now), stale)
		g.respond(req, tx, code, reason, siplib.NewHeader(ask, ch.String()))
	}
	h := req.GetHeader(answer)
	if h == nil {
		challengeWith(false)
		return "", false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != g.cfg.Domain {
		challengeWith(false)
		return "", false
	}
	src := sourceAddr(req)
	if g.fails.blocked(src, cred.Username, now) {
		g.respond(req, tx, 403, "Forbidden: too many failed attempts")
		return "", false
	}
	switch g.nonces.known(cred.Nonce, now) {
	case nonceForged:
		challengeWith(false)
		return "", false
	case nonceStale:
		challengeWith(true)
		return "", false
	}
	id := pb.TeammateID(cred.Username)
	pw, known := g.cfg.Users[id]
	if !known || (want != "" && id != want) || !verifyDigest(cred, g.cfg.Domain, req.Method.String(), pw) {
		g.fails.fail(src, cred.Username, now)
		g.respond(req, tx, 403, "Forbidden")
		return "", false
	}
	nc := 0
	if cred.QOP != "" {
		nc = cred.Nc
	}
	switch g.nonces.use(cred.Nonce, nc, now) {
	case nonceStale:
		challengeWith(true)
		return "", false
	case nonceReplay:
		// The right credentials, but already used: a replay (or a client
		// that reused its nc). A fresh challenge; not a failed login.
		challengeWith(false)
		return "", false
	}
	return id, true
}

// sourceAddr is the IP address a request came from.
func sourceAddr(req *siplib.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
