package sip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// The nonce store: fresh, stale after nonceTTL, forged when not signed by
// its key; each nc accepted once and only rising; single use without
// qop; never more than max remembered, the oldest forgotten first (then
// stale, not forged).
func TestNonces(t *testing.T) {
	ns, err := newNonces(4)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	n := ns.issue(now)
	if v := ns.known(n, now.Add(nonceTTL)); v != nonceOK {
		t.Errorf("a fresh nonce: %v", v)
	}
	if v := ns.known(n, now.Add(nonceTTL+time.Second)); v != nonceStale {
		t.Errorf("an old nonce: %v, want stale", v)
	}
	other, _ := newNonces(4)
	if v := other.known(n, now); v != nonceForged {
		t.Errorf("a nonce of another key: %v, want forged", v)
	}
	if v := ns.known(n[:len(n)-2]+"00", now); v != nonceForged {
		t.Errorf("a forged nonce: %v", v)
	}
	for _, c := range []struct {
		nc   int
		want nonceVerdict
	}{{1, nonceOK}, {1, nonceReplay}, {3, nonceOK}, {2, nonceReplay}, {4, nonceOK}} {
		if v := ns.use(n, c.nc, now); v != c.want {
			t.Errorf("nc=%d: %v, want %v", c.nc, v, c.want)
		}
	}
	once := ns.issue(now)
	if v := ns.use(once, 0, now); v != nonceOK {
		t.Errorf("first use without qop: %v", v)
	}
	if v := ns.use(once, 0, now); v != nonceReplay {
		t.Errorf("second use without qop: %v, want replay", v)
	}
	if v := ns.use(n, 5, now.Add(nonceTTL+time.Second)); v != nonceStale {
		t.Errorf("use after nonceTTL: %v, want stale", v)
	}
	for i := 0; i < 100; i++ {
		ns.issue(now)
		if got := ns.size(); got > 4 {
			t.Fatalf("%d nonces remembered, want at most 4", got)
		}
	}
	if v := ns.known(n, now); v != nonceStale {
		t.Errorf("a nonce pushed out: %v, want stale", v)
	}
	if len(ns.fifo) > 4 {
		t.Errorf("issue order holds %d entries, want at most 4", len(ns.fifo))
	}
}

// A captured REGISTER replayed from another address (with its own Via
// and Contact, which the digest does not cover) is refused and changes
// nothing; the phone itself may reuse its nonce with a higher nc; a nonce
// older than nonceTTL gets a new challenge with stale=true.
func TestRegisterReplay(t *testing.T) {
	e := anaEnv(t, 30*time.Second, nil)
	phone := newUA(t, e, "ana")
	res, authed := phone.registerRaw("pw-ana", "<sip:ana@"+phone.addr()+">", 600)
	if res.StatusCode != 200 {
		t.Fatalf("REGISTER: %d", res.StatusCode)
	}
	e.waitClient("ana", true)

	thief := newUA(t, e, "thief")
	replay := strings.NewReplacer(
		"Via: SIP/2.0/UDP "+phone.addr(), "Via: SIP/2.0/UDP "+thief.addr(),
		"Contact: <sip:ana@"+phone.addr()+">", "Contact: <sip:ana@"+thief.addr()+">",
		";branch=z9hG4bK", ";branch=z9hG4bKreplay").Replace(authed)
	thief.send(replay)
	if got := thief.finalResponse(siplib.REGISTER); got.StatusCode != 401 {
		t.Fatalf("replayed REGISTER got %d, want 401", got.StatusCode)
	}
	if b, ok := e.gw.binding("ana"); !ok || b.source != phone.addr() {
		t.Fatalf("the replay re-pointed ana's calls: %+v", b)
	}

	// The phone reuses its nonce with nc=2: accepted.
	cred, err := digest.ParseCredentials(strings.TrimPrefix(lineOf(authed, "Authorization: "), "Authorization: "))
	if err != nil {
		t.Fatal(err)
	}
	again := func(nc int) *siplib.Response {
		chal := &digest.Challenge{Realm: testDomain, Nonce: cred.Nonce, Algorithm: "MD5", QOP: []string{"auth"}}
		c2, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:" + testDomain,
			Username: "ana", Password: "pw-ana", Cnonce: "c0ffee", Count: nc})
		if err != nil {
			t.Fatal(err)
		}
		phone.send(fmt.Sprintf(`
REGISTER sip:%[1]s SIP/2.0
Via: SIP/2.0/UDP %[2]s;branch=z9hG4bK%[3]s
Max-Forwards: 70
From: <sip:ana@%[1]s>;tag=%[4]s
To: <sip:ana@%[1]s>
Call-ID: reg-%[3]s
CSeq: 1 REGISTER
Contact: <sip:ana@%[2]s>
Authorization: %[5]s
Expires: 600
Content-Length: 0

`, testDomain, phone.addr(), newID(6), phone.tag, c2.String()))
		return phone.finalResponse(siplib.REGISTER)
	}
	if got := again(2); got.StatusCode != 200 {
		t.Fatalf("nonce reused with nc=2: %d, want 200", got.StatusCode)
	}
	e.mock.Add(nonceTTL + time.Second)
	got := again(3)
	if got.StatusCode != 401 {
		t.Fatalf("nonce older than %v: %d, want 401", nonceTTL, got.StatusCode)
	}
	chal, err := digest.ParseChallenge(got.GetHeader("WWW-Authenticate").Value())
	if err != nil || !chal.Stale {
		t.Fatalf("challenge for an old nonce: %v %v, want stale=true", chal, err)
	}
}

// lineOf returns the line of msg starting with prefix.
func lineOf(msg, prefix string) string {
	for _, l := range strings.Split(msg, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimRight(l, "\r")
		}
	}
	return ""
}

// The gateway remembers at most Config.MaxNonces nonces however many
// challenges it sends, and a phone still registers.
func TestNonceBound(t *testing.T) {
	e := anaEnv(t, 30*time.Second, func(c *Config) { c.MaxNonces = 3 })
	phone := newUA(t, e, "ana")
	for i := 0; i < 10; i++ {
		if code := phone.registerContact("", "<sip:ana@"+phone.addr()+">", 600); code != 401 {
			t.Fatalf("unauthenticated REGISTER: %d", code)
		}
		if n := e.gw.nonces.size(); n > 3 {
			t.Fatalf("%d nonces remembered, want at most 3", n)
		}
	}
	if code := phone.register("pw-ana", 600); code != 200 {
		t.Fatalf("REGISTER: %d", code)
	}
}
