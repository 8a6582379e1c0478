package httpedge_test

import (
	"errors"
	"testing"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// Each role reaches what it may and nothing else: the helpers every route
// a teammate can reach decides with.
func TestRoleHelpers(t *testing.T) {
	admin := httpedge.Principal{Name: "admin", Role: httpedge.RoleAdmin}
	host := httpedge.Principal{Name: "token", Role: httpedge.RoleHost, Workspace: "default"}
	otherHost := httpedge.Principal{Name: "token", Role: httpedge.RoleHost, Workspace: "other"}
	ana := httpedge.Principal{Name: "ana", Role: httpedge.RoleTeammate, Workspace: "default", Teammate: "ana"}
	sup := httpedge.Principal{Name: "sue", Role: httpedge.RoleSupervisor, Workspace: "default", Teammate: "sue"}
	nobody := httpedge.Principal{}
	type check func(httpedge.Principal) error
	self := func(tm string) check {
		return func(p httpedge.Principal) error { return httpedge.RequireSelf(p, "default", tm) }
	}
	supervise := func(tm string) check {
		return func(p httpedge.Principal) error { return httpedge.RequireSupervise(p, "default", tm) }
	}
	hostOnly := func(p httpedge.Principal) error { return httpedge.CheckRole(p, "default", httpedge.RoleHost) }
	for _, c := range []struct {
		name  string
		check check
		p     httpedge.Principal
		allow bool
	}{
		{"admin acts for ana", self("ana"), admin, false},
		{"host acts for ana", self("ana"), host, true},
		{"another workspace's host", self("ana"), otherHost, false},
		{"ana acts for herself", self("ana"), ana, true},
		{"ana acts for ben", self("ben"), ana, false},
		{"ana acts for nobody", self(""), ana, false},
		{"supervisor acts for ana", self("ana"), sup, false},
		{"supervisor acts for herself", self("sue"), sup, true},
		{"supervisor reads ana", supervise("ana"), sup, true},
		{"ana reads ben", supervise("ben"), ana, false},
		{"ana reads herself", supervise("ana"), ana, true},
		{"host-only: host", hostOnly, host, true},
		{"host-only: admin", hostOnly, admin, false},
		{"host-only: teammate", hostOnly, ana, false},
		{"host-only: supervisor", hostOnly, sup, false},
		{"host-only: other workspace", hostOnly, otherHost, false},
		{"no principal", self("ana"), nobody, false},
	} {
		err := c.check(c.p)
		if c.allow && err != nil {
			t.Errorf("%s: refused: %v", c.name, err)
		}
		if !c.allow {
			if !errors.Is(err, httpedge.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", c.name, err)
			} else if s, code := httpedge.StatusOf(err); s != 403 || code != "forbidden" {
				t.Errorf("%s: answered %d %q, want 403 forbidden", c.name, s, code)
			}
		}
	}
}
