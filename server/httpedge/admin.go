package httpedge

import (
	"net/http"
	"slices"
)

// AdminToken is the [Verifier] of the cluster's admin token: it grants
// Principal{Name: "admin", Role: RoleAdmin}, with no workspace. Like
// [Token], it compares SHA-256 digests in constant time. Safe for
// concurrent use.
type AdminToken struct {
	t *Token
}

// NewAdminToken returns the verifier of the admin token, which follows
// the rules of [NewToken].
func NewAdminToken(token string) (*AdminToken, error) {
	t, err := NewToken(token)
	if err != nil {
		return nil, err
	}
	return &AdminToken{t: t}, nil
}

// Verify implements [Verifier].
func (a *AdminToken) Verify(secret string) (Principal, bool) {
	if !a.t.Valid(secret) {
		return Principal{}, false
	}
	return Principal{Name: "admin", Role: RoleAdmin}, true
}

// roleGuard is the handler [RequireRole] returns.
type roleGuard struct {
	roles []Role
	h     http.Handler
}

// RequireRole returns h served only to a principal (from [Require], in
// the request's context) whose role is one of roles; any other request
// gets 403 "forbidden" (401 if it carries no principal at all). It is
// the one authorization check of a route, used where the route is
// registered. It holds no state and is safe for concurrent use.
func RequireRole(h http.Handler, roles ...Role) http.Handler {
	return &roleGuard{roles: slices.Clone(roles), h: h}
}

func (g *roleGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		WriteError(w, ErrNoCredentials)
		return
	}
	if !slices.Contains(g.roles, p.Role) {
		WriteError(w, Errorf(ErrForbidden, "the %s credential may not %s %s", p.Role, r.Method, r.URL.Path))
		return
	}
	g.h.ServeHTTP(w, r)
}

// Admits reports whether h, a route's handler, was registered through
// [RequireRole] with role among its roles. A server uses it to keep the
// admin role to the routes made for it: a route that names no roles is a
// workspace's, and no admin's.
func Admits(h http.Handler, role Role) bool {
	g, ok := h.(*roleGuard)
	return ok && slices.Contains(g.roles, role)
}

// WorkspaceOnly returns routes (a ServeMux) refusing an admin principal
// (403 "forbidden") on every route not registered for it with
// [RequireRole]: the admin token manages the cluster and is no telephony
// credential, so a leaked admin token cannot read or change any
// workspace's calls, teammates or events. Unmatched requests go to
// fallback (the 404/405 answers).
func WorkspaceOnly(m *http.ServeMux, fallback http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := PrincipalFrom(r.Context()); ok && p.Role == RoleAdmin {
			if h, pattern := m.Handler(r); pattern != "" && !Admits(h, RoleAdmin) {
				WriteError(w, Errorf(ErrForbidden, "the admin credential manages the cluster, not a workspace: %s %s needs the workspace's credential", r.Method, r.URL.Path))
				return
			}
		}
		fallback.ServeHTTP(w, r)
	})
}
