package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	pb "github.com/phonebalance/phonebalance"
)

// nonceTTL is how long a digest nonce is accepted; an older one gets a
// new challenge with stale=true.
const nonceTTL = 5 * time.Minute

// nonceKey signs nonces, so the registrar keeps no state per challenge:
// a nonce is its issue time and an HMAC of it.
type nonceKey []byte

func newNonceKey() (nonceKey, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

func (k nonceKey) mac(ts []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write(ts)
	return m.Sum(nil)[:16]
}

// issue returns a nonce dated now.
func (k nonceKey) issue(now time.Time) string {
	ts := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	return hex.EncodeToString(ts) + hex.EncodeToString(k.mac(ts))
}

// check reports whether nonce is ours (valid) and, if so, whether it is
// still fresh at now.
func (k nonceKey) check(nonce string, now time.Time) (valid, fresh bool) {
	b, err := hex.DecodeString(nonce)
	if err != nil || len(b) != 8+16 {
		return false, false
	}
	if !hmac.Equal(b[8:], k.mac(b[:8])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := now.Sub(issued)
	return true, age >= -time.Minute && age <= nonceTTL
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
		ch := challenge(g.cfg.Domain, g.nonce.issue(now), stale)
		g.respond(req, tx, code, reason, siplib.NewHeader(ask, ch.String()))
	}
	h := req.GetHeader(answer)
	if h == nil {
		challengeWith(false)
		return "", false
	}
	src := sourceAddr(req)
	if g.fails.blocked(src, now) {
		g.respond(req, tx, 403, "Forbidden: too many failed attempts")
		return "", false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != g.cfg.Domain {
		challengeWith(false)
		return "", false
	}
	valid, fresh := g.nonce.check(cred.Nonce, now)
	if !valid {
		challengeWith(false)
		return "", false
	}
	if !fresh {
		challengeWith(true)
		return "", false
	}
	id := pb.TeammateID(cred.Username)
	pw, known := g.cfg.Users[id]
	if !known || (want != "" && id != want) || !verifyDigest(cred, g.cfg.Domain, req.Method.String(), pw) {
		g.fails.fail(src, now)
		g.respond(req, tx, 403, "Forbidden")
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
