package dashboard

import (
	"html/template"
	"net/http"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// CookieName is the login cookie (httpedge.CookieName): HttpOnly,
// SameSite=Strict, Path=/. The server's authentication accepts it as well
// as an Authorization: Bearer header.
const CookieName = httpedge.CookieName

// checkFunc adapts Config.CheckToken to the edge's httpedge.Verifier: the
// server's one token is the principal "token".
type checkFunc func(token string) bool

func (f checkFunc) Verify(secret string) (httpedge.Principal, bool) {
	if secret == "" || !f(secret) {
		return httpedge.Principal{}, false
	}
	return httpedge.Principal{Name: "token"}, true
}

// guard wraps a handler of the dashboard's data behind the edge's one
// authentication (httpedge.Require): 401 with the error body without a
// valid token. (Cross-origin changes are refused for every route by
// ServeHTTP's same-origin guard.)
func (s *Server) guard(h http.HandlerFunc) http.Handler {
	return httpedge.Require(s.verifier, "", h)
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
// to the page. A cross-site post never gets here (ServeHTTP's same-origin
// guard refuses it: no login CSRF).
func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, httpedge.MaxFormBody)
	if err := r.ParseForm(); err != nil {
		s.loginForm(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	tok := r.PostForm.Get("token")
	if _, ok := s.verifier.Verify(tok); !ok {
		s.loginForm(w, r, http.StatusUnauthorized, "Wrong token.")
		return
	}
	httpedge.SetLoginCookie(w, r, tok, s.cfg.CookieMaxAge, s.cfg.SecureCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// postLogout clears the cookie.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	httpedge.ClearLoginCookie(w, r, s.cfg.SecureCookie)
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
