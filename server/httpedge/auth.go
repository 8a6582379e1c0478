package httpedge

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CookieName is the login cookie: it carries the credential a browser
// logged in with (HttpOnly, SameSite=Strict, Path=/), set by the
// dashboard's login through [SetLoginCookie].
const CookieName = "phonebalance_token"

// MinTokenLen is the shortest token accepted.
const MinTokenLen = 16

// Principal is who a request authenticated as; [Require] puts it in the
// request's context ([PrincipalFrom]). Every credential (the host token,
// an admin token, a teammate's session) is one row of a [Verifier] that
// yields a Principal; handlers decide from its Role, Workspace and
// Teammate, never from how it authenticated.
type Principal struct {
	// Name names the credential ("token": the server's shared host token).
	Name string
	// Via is how it was presented: "bearer" (Authorization header) or
	// "cookie" (the login cookie).
	Via string
	// Role is what the principal may do.
	Role Role
	// Workspace is the workspace the credential belongs to; empty for an
	// admin, whose credential belongs to the cluster.
	Workspace string
	// Teammate is the teammate a teammate's or supervisor's credential
	// belongs to; empty otherwise.
	Teammate string
}

// Role is what a [Principal] may do. The zero value is invalid: a
// Verifier must always say which role it grants.
type Role int

// The roles, from the widest to the narrowest.
const (
	// RoleAdmin manages the cluster (membership, workspaces, backups); it
	// belongs to no workspace.
	RoleAdmin Role = iota + 1
	// RoleHost is a workspace's host token: every command of that
	// workspace, as a telephony integration needs.
	RoleHost
	// RoleSupervisor reads its whole workspace (the wallboard) and changes
	// other teammates' channel availability.
	RoleSupervisor
	// RoleTeammate acts only as one teammate: their own presence and
	// their own calls.
	RoleTeammate
)

// String returns the role's name as the API writes it.
func (r Role) String() string {
	switch r {
	case RoleAdmin:
		return "admin"
	case RoleHost:
		return "host"
	case RoleSupervisor:
		return "supervisor"
	case RoleTeammate:
		return "teammate"
	}
	return "invalid"
}

// A Verifier checks a presented secret and says whose it is. It must
// take the same time whatever the secret (compare in constant time) and
// be safe for concurrent use.
type Verifier interface {
	Verify(secret string) (Principal, bool)
}

// Token is the [Verifier] of the server's one shared token. Secrets are
// compared as SHA-256 digests with subtle.ConstantTimeCompare, so the time
// taken depends on neither the token's content nor its length. Safe for
// concurrent use.
type Token struct {
	digest [sha256.Size]byte
}

// NewToken returns the verifier of token, which must be at least
// MinTokenLen bytes with no spaces or control characters.
func NewToken(token string) (*Token, error) {
	if len(token) < MinTokenLen {
		return nil, fmt.Errorf("httpedge: the token must be at least %d characters", MinTokenLen)
	}
	for _, c := range token {
		if c <= ' ' || c == 0x7f {
			return nil, fmt.Errorf("httpedge: the token has a space or control character")
		}
	}
	return &Token{digest: sha256.Sum256([]byte(token))}, nil
}

// Valid reports, in constant time, whether secret is the token.
func (t *Token) Valid(secret string) bool {
	d := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(d[:], t.digest[:]) == 1
}

// Derive returns HMAC-SHA256 of purpose keyed by the token's digest: a
// secret every holder of the token can compute and nobody else, for one
// purpose (a node-to-node mark, say) without ever sending the token.
func (t *Token) Derive(purpose string) []byte {
	mac := hmac.New(sha256.New, t.digest[:])
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// Verify implements [Verifier]: the token is the host of the default
// workspace, Principal{Name: "token", Role: RoleHost, Workspace: "default"}.
func (t *Token) Verify(secret string) (Principal, bool) {
	if !t.Valid(secret) {
		return Principal{}, false
	}
	return Principal{Name: "token", Role: RoleHost, Workspace: DefaultWorkspace}, true
}

// Authentication errors, wrapping ErrUnauthorized (401).
var (
	// ErrNoCredentials: neither an Authorization header nor the cookie.
	ErrNoCredentials = fmt.Errorf("%w: missing token: send Authorization: Bearer <token>", ErrUnauthorized)
	// ErrBadCredentials: credentials were sent and they are not valid.
	ErrBadCredentials = fmt.Errorf("%w: invalid token", ErrUnauthorized)
)

// Authenticate returns who r authenticated as: an Authorization header
// with the Bearer scheme, compared case-insensitively as RFC 9110 says
// ("bearer" is "Bearer"), or else the login cookie, both checked by v. It
// does not write anything.
func Authenticate(v Verifier, r *http.Request) (Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return Principal{}, ErrBadCredentials
		}
		p, ok := v.Verify(strings.TrimSpace(cred))
		if !ok {
			return Principal{}, ErrBadCredentials
		}
		p.Via = "bearer"
		return p, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Principal{}, ErrNoCredentials
	}
	p, ok := v.Verify(c.Value)
	if !ok {
		return Principal{}, ErrBadCredentials
	}
	p.Via = "cookie"
	return p, nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal [Require] put in ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require returns h behind authentication by v: a request that already
// carries a principal (an outer Require) goes through; one that
// authenticates gets its [Principal] in the context and marks its
// connection as authenticated ([Conns]); others get 401 with the error
// body and WWW-Authenticate, except that a browser GETting a page
// (Accept: text/html) is sent to loginPath (303) when loginPath is set.
func Require(v Verifier, loginPath string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := PrincipalFrom(r.Context()); ok {
			noteRole(r.Context(), p.Role)
			h.ServeHTTP(w, r)
			return
		}
		p, err := Authenticate(v, r)
		if err != nil {
			if loginPath != "" && r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
				http.Redirect(w, r, loginPath, http.StatusSeeOther)
				return
			}
			WriteError(w, err)
			return
		}
		markAuthenticated(w, r)
		noteRole(r.Context(), p.Role)
		h.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// SetLoginCookie sets the login cookie to secret on w, for a login handler
// that has verified it. The cookie is HttpOnly, SameSite=Strict, Path=/,
// lives maxAge, and is Secure when secure is set or r came over TLS.
func SetLoginCookie(w http.ResponseWriter, r *http.Request, secret string, maxAge time.Duration, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: secret, Path: "/",
		MaxAge: int(maxAge / time.Second), HttpOnly: true,
		Secure: secure || r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// ClearLoginCookie removes the login cookie.
func ClearLoginCookie(w http.ResponseWriter, r *http.Request, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: secure || r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// DefaultWorkspace is the workspace a server with one workspace runs, and
// the one its host token belongs to.
const DefaultWorkspace = "default"

// Verifiers tries each Verifier in order and returns the first principal
// one grants. Each row compares in constant time, so the whole takes the
// same time for every secret that none grants. Safe for concurrent use if
// its rows are.
type Verifiers []Verifier

// Verify implements [Verifier].
func (vs Verifiers) Verify(secret string) (Principal, bool) {
	for _, v := range vs {
		if p, ok := v.Verify(secret); ok {
			return p, true
		}
	}
	return Principal{}, false
}

// The authorization helpers: every route a teammate or supervisor can
// reach decides with one of these (a route of the API's own mux may use
// [RequireRole] where it is registered instead), from the [Principal] in the request's
// context, and answers their error with [WriteError] (403 "forbidden").
// They are pure functions of their arguments: safe for concurrent use.

// CheckRole returns nil when p belongs to workspace ws and its role is
// one of roles; otherwise an error wrapping [ErrForbidden]. An admin is
// refused like any other role not listed: the admin credential manages
// the cluster and acts on no workspace (see [WorkspaceOnly]).
func CheckRole(p Principal, ws string, roles ...Role) error {
	if p.Workspace == ws && p.Role != RoleAdmin {
		for _, r := range roles {
			if p.Role == r {
				return nil
			}
		}
	}
	return Errorf(ErrForbidden, "%s %q may not do this in workspace %q", p.Role, p.Name, ws)
}

// RequireSelf returns nil when p may act as teammate in workspace ws: the
// workspace's host, or the teammate's own session (teammate or
// supervisor role with Teammate == teammate). Anything else, a
// supervisor acting for someone else and an admin included, wraps
// [ErrForbidden].
func RequireSelf(p Principal, ws, teammate string) error {
	if p.Role == RoleHost && p.Workspace == ws {
		return nil
	}
	if (p.Role == RoleTeammate || p.Role == RoleSupervisor) && p.Workspace == ws && p.Teammate == teammate && teammate != "" {
		return nil
	}
	return Errorf(ErrForbidden, "%s %q may not act for teammate %q", p.Role, p.Name, teammate)
}

// RequireSupervise returns nil when p may read teammate's state or
// change their channel availability in workspace ws (rule PR7): what
// [RequireSelf] allows, plus any supervisor of the workspace.
func RequireSupervise(p Principal, ws, teammate string) error {
	if p.Role == RoleSupervisor && p.Workspace == ws {
		return nil
	}
	return RequireSelf(p, ws, teammate)
}
