package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CookieName is the cookie a browser carries the token in (HttpOnly,
// SameSite=Strict, Path=/), set by the dashboard's login.
const CookieName = "phonebalance_token"

// MinTokenLen is the shortest token accepted.
const MinTokenLen = 16

// Authentication errors, returned by [Authenticator.Check].
var (
	// ErrNoCredentials: neither an Authorization header nor the cookie.
	ErrNoCredentials = errors.New("api: missing token: send Authorization: Bearer <token>")
	// ErrBadToken: a token was sent and it is not the server's.
	ErrBadToken = errors.New("api: invalid token")
	// ErrCrossOrigin: a state-changing request authenticated by the
	// cookie did not come from the server's own pages.
	ErrCrossOrigin = errors.New("api: cross-origin request with a cookie")
)

// Authenticator checks the API token. Tokens are compared as SHA-256
// digests with subtle.ConstantTimeCompare, so the time taken depends on
// neither the token's content nor its length. Safe for concurrent use.
type Authenticator struct {
	digest [sha256.Size]byte
}

// NewAuthenticator returns a check for token, which must be at least
// MinTokenLen bytes with no spaces or control characters.
func NewAuthenticator(token string) (*Authenticator, error) {
	if len(token) < MinTokenLen {
		return nil, fmt.Errorf("api: the token must be at least %d characters", MinTokenLen)
	}
	for _, c := range token {
		if c <= ' ' || c == 0x7f {
			return nil, fmt.Errorf("api: the token has a space or control character")
		}
	}
	return &Authenticator{digest: sha256.Sum256([]byte(token))}, nil
}

// Valid reports, in constant time, whether token is the server's.
func (a *Authenticator) Valid(token string) bool {
	d := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(d[:], a.digest[:]) == 1
}

// Check authenticates r: an Authorization: Bearer header, or else the
// phonebalance_token cookie. A request that changes state (not GET, HEAD
// or OPTIONS) and is authenticated by the cookie must also come from the
// same origin: Sec-Fetch-Site: same-origin, or an Origin whose host is
// the request's Host; otherwise ErrCrossOrigin.
func (a *Authenticator) Check(r *http.Request) error {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !a.Valid(strings.TrimSpace(tok)) {
			return ErrBadToken
		}
		return nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ErrNoCredentials
	}
	if !a.Valid(c.Value) {
		return ErrBadToken
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if sameOrigin(r) {
		return nil
	}
	return ErrCrossOrigin
}

// sameOrigin reports whether the browser says r comes from the server's
// own pages.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// SetCookie sets the token cookie on w, for a login handler that has
// checked the token with Valid. secure sets the Secure attribute (serve
// over TLS).
func SetCookie(w http.ResponseWriter, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}
