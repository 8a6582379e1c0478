package sip

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
)

// One phone failing its password again and again behind a NAT (one
// address for every phone here: 127.0.0.1) is throttled alone: a
// teammate behind the same address still registers. An address trying
// many user names is throttled as a whole after addrFailLimit failures.
func TestFailedAuthPerUser(t *testing.T) {
	e := newEnv(t, envOptions{mock: true, team: "support", teammates: []pb.TeammateID{"ana", "bob"},
		users: map[pb.TeammateID]string{"ana": "pw-ana", "bob": "pw-bob"}})
	bob := newUA(t, e, "bob")
	for i := 0; i < failLimit; i++ {
		if code := bob.register("wrong", 600); code != 403 {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := bob.register("pw-bob", 600); code != 403 {
		t.Fatalf("bob's right password after %d failures: %d, want 403", failLimit, code)
	}
	ana := newUA(t, e, "ana")
	if code := ana.register("pw-ana", 600); code != 200 {
		t.Fatalf("ana behind the same address: %d, want 200", code)
	}
	e.waitClient("ana", true)

	// Spraying user names: each name fails a few times, under its own
	// limit, until the address's limit is reached.
	for i := failLimit; i < addrFailLimit; i++ {
		u := newUA(t, e, fmt.Sprintf("guess%d", i/(failLimit-1)))
		if code := u.register("wrong", 600); code != 403 {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code := ana.register("pw-ana", 600); code != 403 {
		t.Fatalf("ana after the address failed %d times: %d, want 403", addrFailLimit, code)
	}
	e.mock.Add(failWindow)
	if code := ana.register("pw-ana", 600); code != 200 {
		t.Fatalf("ana after the window: %d, want 200", code)
	}
	if code := bob.register("pw-bob", 600); code != 200 {
		t.Fatalf("bob after the window: %d, want 200", code)
	}
}

// The throttle's tables stay within failTableMax entries.
func TestFailuresBound(t *testing.T) {
	var f failures
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < failTableMax+100; i++ {
		f.fail(sourceAddrOf(t, i), "u", now)
		if len(f.byUser) > failTableMax || len(f.byAddr) > failTableMax {
			t.Fatalf("after %d failures: %d and %d entries", i+1, len(f.byUser), len(f.byAddr))
		}
	}
}

func sourceAddrOf(t *testing.T, i int) netip.Addr {
	t.Helper()
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}
