package httpedge

import (
	"net/http"
)

// SameOrigin returns h behind the server's one same-origin guard for
// state-changing requests: net/http.CrossOriginProtection, which refuses a
// request with a method other than GET, HEAD or OPTIONS when the browser
// says it comes from another origin (Sec-Fetch-Site other than
// same-origin or none, or else an Origin whose host is not the request's
// Host). Requests without either header (curl, SDKs, servers) are not
// from a browser's cross-site context and go through. A refusal is 403
// "cross_origin" with the error body.
func SameOrigin(h http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, Errorf(ErrCrossOrigin, "%s %s from another origin", r.Method, r.URL.Path))
	}))
	return p.Handler(h)
}
