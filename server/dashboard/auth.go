package dashboard

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CookieName is the login cookie: the server's token, HttpOnly,
// SameSite=Strict, Path=/. The server's API middleware accepts it as well
// as an Authorization: Bearer header.
const CookieName = "phonebalance_token"

// maxLoginBody bounds what POST /login reads.
const maxLoginBody = 4 << 10

// token returns the request's credential and whether it came from the
// cookie (rather than an Authorization: Bearer header).
func token(r *http.Request) (tok string, fromCookie bool) {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, rest, ok := strings.Cut(a, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(rest), false
		}
		return "", false
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value, true
	}
	return "", false
}

// sameOrigin reports whether a browser request comes from the page's own
// origin: Sec-Fetch-Site same-origin, or else an Origin equal to the Host.
// A request with neither header is not from a current browser's
// cross-site context and is allowed only where the caller says so.
func sameOrigin(r *http.Request, allowNoHeaders bool) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	return allowNoHeaders
}

// authorized reports whether the request carries the server's token; a
// cookie-authenticated request that changes state must also be
// same-origin.
func (s *Server) authorized(r *http.Request, changes bool) bool {
	tok, fromCookie := token(r)
	if tok == "" || !s.cfg.CheckToken(tok) {
		return false
	}
	return !changes || !fromCookie || sameOrigin(r, false)
}

// guard wraps a handler of the dashboard's data: 401 without a valid
// token, 403 for a cross-site state change.
func (s *Server) guard(changes bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := token(r)
		if tok == "" || !s.cfg.CheckToken(tok) {
			writeError(w, http.StatusUnauthorized, "unauthorized", "log in first")
			return
		}
		if !s.authorized(r, changes) {
			writeError(w, http.StatusForbidden, "cross_site", "cross-site request refused")
			return
		}
		h(w, r)
	}
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Inbox dashboard</title><link rel="stylesheet" href="/dashboard/static/style.css"></head>
<body class="login"><main><h1>Inbox dashboard</h1>
<form method="post" action="/login" id="login">
<label for="token">Server token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
{{if .}}<p class="error" role="alert">{{.}}</p>{{end}}
</form></main></body></html>
`))

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, msg)
}

func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) {
	s.loginForm(w, r, http.StatusOK, "")
}

// postLogin checks the token and sets the cookie, then sends the browser
// to the page.
func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r, true) {
		s.loginForm(w, r, http.StatusForbidden, "Cross-site login refused.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		s.loginForm(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" || !s.cfg.CheckToken(tok) {
		s.loginForm(w, r, http.StatusUnauthorized, "Wrong token.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: tok, Path: "/",
		MaxAge: int(s.cfg.CookieMaxAge / time.Second), HttpOnly: true,
		Secure: s.cfg.SecureCookie || r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// postLogout clears the cookie.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r, false) {
		writeError(w, http.StatusForbidden, "cross_site", "cross-site request refused")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookie || r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// securityHeaders keeps the page to its own scripts and styles and out of
// frames.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
